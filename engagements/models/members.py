"""Who takes part in an engagement (its members, with their party and role) and who may read
its dashboard without an account (share links)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from fasttrack import bounds
from responsibilities.models import Party


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="memberships")
    # Indexed with the engagement below, not alone: see Meta.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,
    )
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="one_membership_per_user")
        ]
        # A member's engagements, read from the index alone: the portfolio, the summary and the
        # engagement list of someone on thousands of engagements join their ids to the stored
        # status's indexes (a hash of them, or one probe per row in page order) without
        # visiting a membership row. It also serves most other "whose memberships" reads.
        indexes = [
            models.Index(fields=["user", "engagement"], name="membership_by_user"),
            # Whether someone manages for Microsoft anywhere, asked on every page: found in
            # the index, where the index above made it read all of their memberships.
            models.Index(fields=["user", "party", "role"], name="membership_by_user_role"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.get_party_display()})"


class ShareLink(models.Model):
    """A read-only link to an engagement's dashboard for people without an account.

    Only the SHA-256 of its token is stored: the link itself is shown once, when it is made.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(
        _("label"), max_length=bounds.LABEL_MAX_LENGTH, validators=[bounds.validate_single_line]
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self):
        return self.label

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def last_day(self):
        """The last day the link opens (it stops at the midnight that ends that day)."""
        return timezone.localdate(self.expires_at - datetime.timedelta(microseconds=1))
