"""Writes to a person's preferences and their calendar feed."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CalendarFeed, Profile
from .selectors import feed_token_hash
from .zones import is_offered


def profile_update(*, user, language: str, time_zone: str, receives_digest: bool) -> Profile:
    """Save the user's language, time zone and digest choice (making their profile if needed)."""
    if not is_offered(time_zone):
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")})
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.language, profile.time_zone = language, time_zone
    profile.receives_digest = receives_digest
    profile.full_clean()
    profile.save()
    return profile


def profile_set_language(*, user, language: str) -> Profile:
    """Keep the language a user switched to, so their emails follow it too."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose one of the portal's languages."))
    profile, _created = Profile.objects.update_or_create(user=user, defaults={"language": language})
    return profile


@transaction.atomic
def calendar_feed_renew(*, user) -> str:
    """Give the user a new private calendar address, retiring any old one; returns its token,
    which is never stored."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": feed_token_hash(token), "created_at": timezone.now()}
    )
    return token


def calendar_feed_revoke(*, user) -> None:
    """Turn the user's calendar feed off: its address opens nothing any more."""
    CalendarFeed.objects.filter(user=user).delete()
