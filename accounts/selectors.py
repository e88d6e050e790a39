"""Reads of a person's preferences, their calendar feed and their API tokens."""

import hashlib
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery

from .models import AccessToken, CalendarFeed, Profile, access_token_hash


def user_profile(user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


@dataclass(frozen=True)
class PageFacts:
    profile: Profile | None
    shows_portfolio: bool


def user_page_facts(user) -> PageFacts:
    """What every page needs of the signed-in user, in one query: their profile, and whether the
    top bar offers the portfolio. It does to staff, FastTrack Center leads, Microsoft's managers
    and anyone in more than one engagement; a customer's viewer of one engagement has no
    portfolio to read."""
    User = get_user_model()
    lead = Q(user_permissions__codename="view_all_engagements") | Q(
        groups__permissions__codename="view_all_engagements"
    )
    row = (
        User.objects.filter(pk=user.pk)
        .select_related("profile")
        .annotate(
            # A second engagement is enough to know: counting them all made a member of every
            # engagement read each of their memberships on each page. In the order of the index on
            # (user, engagement), so the second is read from it, whatever the planner guesses
            # of how many a person has.
            second_engagement=Subquery(
                User.objects.filter(pk=OuterRef("pk"), memberships__isnull=False)
                .order_by("memberships__engagement")
                .values("memberships__engagement")[1:2]
            ),
            is_lead=Exists(User.objects.filter(lead, pk=OuterRef("pk"))),
            manages_for_microsoft=Exists(
                User.objects.filter(
                    pk=OuterRef("pk"), memberships__party="microsoft", memberships__role="manager"
                )
            ),
        )
        .first()
    )
    if row is None:
        return PageFacts(profile=None, shows_portfolio=False)
    profile = getattr(row, "profile", None)
    return PageFacts(
        profile=profile,
        shows_portfolio=(
            row.is_staff
            or row.is_lead
            or row.manages_for_microsoft
            or row.second_engagement is not None
        ),
    )


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
