"""Reads of a person's preferences."""

import zoneinfo

from django.conf import settings

from .models import Profile


def user_profile(user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


def user_preferences(user) -> tuple[str, zoneinfo.ZoneInfo]:
    """The user's language and time zone, or the portal's when they have chosen none."""
    profile = user_profile(user)
    if profile is None:
        return settings.LANGUAGE_CODE, zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return profile.language, zoneinfo.ZoneInfo(profile.time_zone)
