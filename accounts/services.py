"""Writes to a person's preferences, their calendar feed and their API tokens."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fasttrack import bounds

from .models import AccessToken, CalendarFeed, Profile, access_token_hash
from .selectors import feed_token_hash
from .zones import is_offered


def profile_update(
    *,
    user,
    language: str,
    time_zone: str,
) -> Profile:
    """Save the user's language and time zone (making their profile if needed)."""
    if not is_offered(time_zone):
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")})
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.language, profile.time_zone = language, time_zone
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


# Tokens say what they are, so a scanner (or a person) that finds one in a file knows.
ACCESS_TOKEN_PREFIX = "ftp_"
# How stale `last_used_at` may get: refreshing it once a minute shows when a token was last
# used without writing its row on every request.
LAST_USE_PRECISION = datetime.timedelta(minutes=1)
# The API counts requests per user; a cap keeps the tokens a person must keep track of (and
# revoke when one leaks) few.
ACCESS_TOKEN_MOST_LIVE = 10


@transaction.atomic
def access_token_create(
    *, user, name: str, access: str, expires_on: datetime.date
) -> tuple[AccessToken, str]:
    """Make a personal API token; returns it with the token itself, which is never stored."""
    bounds.validate_fields(
        {
            "name": (name, bounds.single_line(bounds.LABEL_MAX_LENGTH)),
            "expires_on": (expires_on, [bounds.validate_access_token_expiry]),
        }
    )
    # Two tokens made at once must not both slip under the cap: the user's row is the lock.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if AccessToken.objects.filter(user=user).live(timezone.now()).count() >= ACCESS_TOKEN_MOST_LIVE:
        raise ValidationError(
            _(
                "You have %(most)d live tokens, the most one person may have: revoke one you "
                "no longer use, then make the new one."
            )
            % {"most": ACCESS_TOKEN_MOST_LIVE}
        )
    token = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
    access_token = AccessToken(
        user=user,
        name=name.strip(),
        access=access,
        token_hash=access_token_hash(token),
        prefix=token[:8],
        # It works through the whole of its last day, as share links do.
        expires_at=timezone.make_aware(
            datetime.datetime.combine(expires_on + datetime.timedelta(days=1), datetime.time())
        ),
    )
    access_token.full_clean()
    access_token.save()
    return access_token, token


def access_token_revoke(*, access_token: AccessToken) -> AccessToken:
    """Stop a token from opening anything; revoking twice changes nothing."""
    AccessToken.objects.filter(pk=access_token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    access_token.refresh_from_db(fields=["revoked_at"])
    return access_token


def access_token_record_use(*, access_token: AccessToken, now: datetime.datetime) -> None:
    """Note that the token was just used (to the minute)."""
    if access_token.last_used_at and now - access_token.last_used_at < LAST_USE_PRECISION:
        return
    AccessToken.objects.filter(pk=access_token.pk).update(last_used_at=now)
    access_token.last_used_at = now
