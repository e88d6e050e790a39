"""Making and revoking read-only share links to an engagement's dashboard."""

import datetime
import secrets
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from engagements.access import share_token_hash
from engagements.journal import engagement_changed, event_record
from engagements.models import Engagement, EventKind, ShareLink
from fasttrack import bounds


def share_link_values(link: ShareLink) -> dict:
    """What its events say of a link; verify_audit holds the row to the last of them."""
    return {
        "link": link.pk,
        "label": link.label,
        "expires_on": link.last_day.isoformat(),
        "expires_at": link.expires_at.astimezone(datetime.UTC).isoformat(),
    }


@transaction.atomic
def share_link_create(
    *, engagement: Engagement, user: AbstractBaseUser, label: str, expires_on: date
) -> tuple[ShareLink, str]:
    """Make a read-only dashboard link; returns it with its token, which is never stored."""
    bounds.validate_fields(
        {
            "label": (label, bounds.single_line(bounds.LABEL_MAX_LENGTH)),
            "expires_on": (expires_on, [bounds.validate_share_link_expiry]),
        }
    )
    token = secrets.token_urlsafe(32)
    expires_at = timezone.make_aware(
        datetime.datetime.combine(expires_on + datetime.timedelta(days=1), datetime.time())
    )
    link = ShareLink(
        engagement=engagement,
        label=label.strip(),
        token_hash=share_token_hash(token),
        created_by=user,
        expires_at=expires_at,
    )
    link.full_clean()
    link.save()
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        kind=EventKind.SHARE_LINK_CREATED,
        changes=share_link_values(link),
    )
    engagement_changed(engagement_id=engagement.pk)
    return link, token


@transaction.atomic
def share_link_revoke(*, link: ShareLink, user: AbstractBaseUser) -> ShareLink:
    """Stop a share link from opening anything; revoking twice changes nothing."""
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    event_record(
        engagement_id=link.engagement_id,
        actor=user,
        kind=EventKind.SHARE_LINK_REVOKED,
        changes={
            **share_link_values(link),
            "revoked_at": link.revoked_at.astimezone(datetime.UTC).isoformat(),
        },
    )
    engagement_changed(engagement_id=link.engagement_id)
    return link
