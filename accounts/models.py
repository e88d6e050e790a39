"""People's own settings: the language and time zone of their pages and emails, their
calendar feed and their tokens for the API. Which emails they want is notifications'."""

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fasttrack import bounds


class Profile(models.Model):
    """A user's preferences: the language and time zone of their pages and emails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class CalendarFeed(models.Model):
    """A person's private calendar address (their meetings and due dates, for a calendar
    program to subscribe to). The token in it is the only credential, so only its SHA-256 is
    stored: the address is shown once, and making a new one retires the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("made"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


def access_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAccess(models.TextChoices):
    READ = "read", _("read only")
    READ_WRITE = "read_write", _("read and write")


class AccessTokenQuerySet(models.QuerySet):
    def live(self, now):
        """The tokens that still open something at `now`: neither revoked nor expired (the
        same rule as AccessToken.is_usable, for one row in hand)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class AccessToken(models.Model):
    """A personal access token for the API, acting as its user within the access it was given.

    Only the SHA-256 of the token is stored: the token itself is shown once, when it is made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(
        _("name"), max_length=bounds.LABEL_MAX_LENGTH, validators=[bounds.validate_single_line]
    )
    access = models.CharField(
        _("access"), max_length=20, choices=TokenAccess.choices, default=TokenAccess.READ
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The token's first characters, so its owner can tell their tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self):
        return self.name

    @property
    def can_write(self) -> bool:
        return self.access == TokenAccess.READ_WRITE

    def is_usable(self, now=None) -> bool:
        """Whether this token still opens something: AccessToken.objects.live's rule."""
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def last_day(self):
        """The last day the token works (it stops at the midnight that ends that day)."""
        return timezone.localdate(self.expires_at - datetime.timedelta(microseconds=1))


class EntraIdentity(models.Model):
    """The Microsoft Entra ID work account a user signs in with: the pair (tenant id, object id),
    which only that tenant can vouch for. Never matched by email: any tenant's admin can set a
    user's email claim to someone else's address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entra_identity"
    )
    tenant_id = models.CharField(_("tenant"), max_length=36)
    object_id = models.CharField(_("object id"), max_length=36)
    bound_at = models.DateTimeField(_("bound"), default=timezone.now)

    class Meta:
        verbose_name = _("Entra ID account")
        verbose_name_plural = _("Entra ID accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "object_id"], name="entra_identity_one_account"
            )
        ]

    def __str__(self):
        return f"{self.tenant_id}/{self.object_id}"


class SignInOutcome(models.TextChoices):
    SIGNED_IN = "signed_in", _("signed in")
    BOUND = "bound", _("account bound")
    REFUSED = "refused", _("refused")


class SignInRecord(models.Model):
    """Each sign-in with Microsoft, binding and refusal: who (as the tenant said), from which
    tenant, when, and why a refusal was one. Staff read them in the admin."""

    outcome = models.CharField(_("outcome"), max_length=20, choices=SignInOutcome.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    tenant_id = models.CharField(_("tenant"), max_length=36, blank=True)
    object_id = models.CharField(_("object id"), max_length=36, blank=True)
    name = models.CharField(_("name given by the tenant"), max_length=200, blank=True)
    email = models.CharField(_("email given by the tenant"), max_length=254, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("sign-in with Microsoft")
        verbose_name_plural = _("sign-ins with Microsoft")
        indexes = [models.Index(fields=["-at"])]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.tenant_id}/{self.object_id}"
