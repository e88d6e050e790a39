"""Scheduling, changing and cancelling checkpoint meetings; reminders follow each change."""

import datetime
from typing import NotRequired, TypedDict, Unpack

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.journal import engagement_changed, event_record
from engagements.meetings.calendar import CALENDAR_FIELDS
from engagements.models import Checkpoint, Engagement, EventKind
from fasttrack import bounds
from responsibilities.models import Phase
from trail.chain import actor_name


def _checkpoint_validate(*, engagement, details, attendees, now) -> None:
    # Bounds first: a time near the calendar's end must not reach the arithmetic below.
    bounds.validate_fields(
        {
            "title": (details["title"], bounds.single_line(bounds.TITLE_MAX_LENGTH)),
            "location": (details.get("location"), bounds.single_line(bounds.LOCATION_MAX_LENGTH)),
            "agenda": (details.get("agenda"), bounds.multi_line(bounds.AGENDA_MAX_LENGTH)),
            "starts_at": (details["starts_at"], [bounds.validate_datetime_in_window]),
            "ends_at": (details["ends_at"], [bounds.validate_datetime_in_window]),
        }
    )
    starts_at, ends_at = details["starts_at"], details["ends_at"]
    bounds.validate_checkpoint_duration(starts_at, ends_at)
    errors = {}
    if starts_at <= now:
        errors["starts_at"] = _("A checkpoint cannot start in the past.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    member_ids = set(engagement.memberships.values_list("user_id", flat=True))
    outsiders = [str(user) for user in attendees if user.pk not in member_ids]
    if outsiders:
        errors["attendees"] = _("Not members of this engagement: %(names)s.") % {
            "names": ", ".join(outsiders)
        }
    if errors:
        raise ValidationError(errors)


def _checkpoint_event(checkpoint, user, kind, changes):
    event_record(
        engagement_id=checkpoint.engagement_id,
        checkpoint=checkpoint,
        actor=user,
        kind=kind,
        changes=changes,
    )
    engagement_changed(engagement_id=checkpoint.engagement_id)


class CheckpointDetails(TypedDict):
    """What a manager says of a meeting when scheduling or changing it."""

    phase: Phase
    kind: str
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: NotRequired[str]
    agenda: NotRequired[str]
    attendees: NotRequired[list]


@transaction.atomic
def checkpoint_schedule(
    *, engagement: Engagement, user: AbstractBaseUser, **details: Unpack[CheckpointDetails]
) -> Checkpoint:
    """Schedule a meeting and the reminders its attendees will get before it."""
    now = timezone.now()
    attendees = list(details.pop("attendees", ()))
    _checkpoint_validate(engagement=engagement, details=details, attendees=attendees, now=now)
    checkpoint = Checkpoint(engagement=engagement, created_by=user, **details)
    checkpoint.full_clean()
    checkpoint.save()
    checkpoint.attendees.set(attendees)
    # Every detail goes from nothing to its value (a cancellation is the reverse).
    values = _checkpoint_values(checkpoint, attendees)
    _checkpoint_event(
        checkpoint,
        user,
        EventKind.CHECKPOINT_SCHEDULED,
        {name: [None, value] for name, value in values.items()},
    )
    return checkpoint


def _checkpoint_values(checkpoint: Checkpoint, attendees) -> dict:
    """The meeting's details as its events keep them: codes, ISO UTC times, and the attendees'
    ids with their names at the time."""
    return {
        "phase": checkpoint.phase.code,
        "kind": checkpoint.kind,
        "title": checkpoint.title,
        "starts_at": checkpoint.starts_at.astimezone(datetime.UTC).isoformat(),
        "ends_at": checkpoint.ends_at.astimezone(datetime.UTC).isoformat(),
        "location": checkpoint.location,
        "agenda": checkpoint.agenda,
        "attendees": sorted(
            ({"id": user.pk, "name": actor_name(user)} for user in attendees),
            key=lambda attendee: (attendee["name"], attendee["id"]),
        ),
    }


def _compared(name: str, value):
    # Who attends is the change, not how their name is spelled now.
    return sorted(attendee["id"] for attendee in value) if name == "attendees" else value


@transaction.atomic
def checkpoint_update(
    *, checkpoint: Checkpoint, user: AbstractBaseUser, **details: Unpack[CheckpointDetails]
) -> Checkpoint:
    """Change or reschedule a meeting that has not started; reminders follow the new time,
    and a change calendars must pick up sends the attendees an update at once.

    Records what changed from what to what; a save that changes nothing records nothing.
    """
    now = timezone.now()
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if not checkpoint.can_still_change(now):
        raise ValidationError(
            _("This checkpoint has started or was cancelled: it can no longer change.")
        )
    attendees = list(details.pop("attendees", ()))
    _checkpoint_validate(
        engagement=checkpoint.engagement, details=details, attendees=attendees, now=now
    )
    before = _checkpoint_values(checkpoint, checkpoint.attendees.all())
    # Like a form that was sent back with them empty, a missing place or agenda is cleared.
    for name, value in {"location": "", "agenda": "", **details}.items():
        setattr(checkpoint, name, value)
    after = _checkpoint_values(checkpoint, attendees)
    changed = [
        name for name in before if _compared(name, before[name]) != _compared(name, after[name])
    ]
    if not changed:
        return checkpoint
    calendar_changed = bool(set(changed) & CALENDAR_FIELDS)
    if calendar_changed:
        checkpoint.sequence += 1
    checkpoint.full_clean()
    checkpoint.save()
    checkpoint.attendees.set(attendees)
    _checkpoint_event(
        checkpoint,
        user,
        EventKind.CHECKPOINT_CHANGED,
        {name: [before[name], after[name]] for name in changed},
    )
    return checkpoint


@transaction.atomic
def checkpoint_cancel(*, checkpoint: Checkpoint, user: AbstractBaseUser) -> Checkpoint:
    """Cancel a meeting: its pending reminders and updates are withdrawn and its attendees
    told."""
    now = timezone.now()
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if checkpoint.is_cancelled:
        return checkpoint
    if checkpoint.has_started(now):
        raise ValidationError(
            _("This checkpoint has already started: it can no longer be cancelled.")
        )
    checkpoint.cancelled_at = now
    checkpoint.sequence += 1
    checkpoint.save(update_fields=["cancelled_at", "sequence"])
    values = _checkpoint_values(checkpoint, checkpoint.attendees.all())
    _checkpoint_event(
        checkpoint,
        user,
        EventKind.CHECKPOINT_CANCELLED,
        {name: [value, None] for name, value in values.items()},
    )
    return checkpoint


def checkpoints_leave(*, engagement_id: int, user: AbstractBaseUser, now) -> None:
    """A member leaving the engagement leaves its meetings still to come, and their reminders."""
    upcoming = Checkpoint.objects.select_for_update().filter(
        engagement_id=engagement_id, attendees=user, starts_at__gt=now, cancelled_at__isnull=True
    )
    for checkpoint in upcoming.order_by("pk"):
        checkpoint.attendees.remove(user)
        checkpoint.sequence += 1  # the calendar's attendee list changed
        checkpoint.save(update_fields=["sequence"])
