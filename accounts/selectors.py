"""Reads of a person's preferences and API tokens."""

import zoneinfo

from django.conf import settings

from .models import AccessToken, Profile, access_token_hash


def user_profile(user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


def user_preferences(user) -> tuple[str, zoneinfo.ZoneInfo]:
    """The user's language and time zone, or the portal's when they have chosen none."""
    profile = user_profile(user)
    if profile is None:
        return settings.LANGUAGE_CODE, zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return profile.language, zoneinfo.ZoneInfo(profile.time_zone)


def user_access_tokens(user):
    """The user's API tokens, newest first: each person sees only their own."""
    return AccessToken.objects.filter(user=user)


def access_token_for(token: str) -> AccessToken | None:
    """The token with its user, whatever its state; None for one never made."""
    return (
        AccessToken.objects.filter(token_hash=access_token_hash(token))
        .select_related("user")
        .first()
    )
