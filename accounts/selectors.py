"""Reads of a person's preferences, their calendar feed and their API tokens."""

import hashlib
import zoneinfo

from django.conf import settings

from .models import AccessToken, CalendarFeed, Profile, access_token_hash


def user_profile(user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


def user_preferences(user) -> tuple[str, zoneinfo.ZoneInfo]:
    """The user's language and time zone, or the portal's when they have chosen none."""
    profile = user_profile(user)
    if profile is None:
        return settings.LANGUAGE_CODE, zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return profile.language, zoneinfo.ZoneInfo(profile.time_zone)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_calendar_feed(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_owner(token: str):
    """The active account whose calendar feed the token opens, with its profile, or None."""
    feed = (
        CalendarFeed.objects.filter(token_hash=feed_token_hash(token), user__is_active=True)
        .select_related("user__profile")
        .first()
    )
    return feed.user if feed else None


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
