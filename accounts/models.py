"""People's own settings: the language and time zone of their pages and emails, and what they
want to receive."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """A user's preferences: the language and time zone of their pages and emails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    receives_digest = models.BooleanField(
        _("daily digest"),
        default=True,
        help_text=_("At 08:00 your time: overdue tasks and those due within 7 days."),
    )

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
