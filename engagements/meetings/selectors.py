"""Reads of checkpoints: an engagement's meetings, one meeting's page, a reminder's agenda."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from engagements.models import Checkpoint, CheckpointBrief, Engagement, Task
from responsibilities.models import Party


@dataclass
class EngagementCheckpoints:
    upcoming: list[Checkpoint]
    past_or_cancelled: list[Checkpoint]


def engagement_checkpoints(engagement: Engagement, now) -> EngagementCheckpoints:
    """Upcoming meetings, then the record of past and cancelled ones (one query)."""
    checkpoints = list(
        Checkpoint.objects.filter(engagement=engagement)
        .select_related("phase")
        .order_by("starts_at")
    )
    upcoming = [c for c in checkpoints if not c.is_cancelled and c.ends_at > now]
    return EngagementCheckpoints(
        upcoming=upcoming,
        past_or_cancelled=[c for c in reversed(checkpoints) if c not in upcoming],
    )


def checkpoint_attendees(checkpoint: Checkpoint):
    return checkpoint.attendees.order_by("first_name", "username")


def checkpoint_brief(checkpoint: Checkpoint) -> CheckpointBrief | None:
    return (
        CheckpointBrief.objects.filter(checkpoint=checkpoint).select_related("written_by").first()
    )


def latest_brief(engagement: Engagement, now: datetime.datetime) -> CheckpointBrief | None:
    """The brief of the latest meeting held by `now` that has one: a meeting still to come
    holds a draft, and a cancelled one told nobody."""
    return (
        CheckpointBrief.objects.filter(
            checkpoint__engagement=engagement,
            checkpoint__cancelled_at__isnull=True,
            checkpoint__starts_at__lte=now,
        )
        .select_related("checkpoint", "written_by")
        .order_by("-checkpoint__starts_at", "-pk")
        .first()
    )


def checkpoint_notifications(checkpoint: Checkpoint):
    """The checkpoint's reminder log: to whom, when, and how each ended."""
    return checkpoint.notifications.select_related("recipient").order_by(
        "due_at", "recipient__username"
    )


@dataclass
class CheckpointAgenda:
    """The engagement as it stands when the reminder is sent."""

    open_by_party: list[tuple[str, list[Task]]]
    overdue: list[Task]
    done_since: list[Task]
    since: datetime.datetime


def checkpoint_agenda(checkpoint: Checkpoint, now: datetime.datetime) -> CheckpointAgenda:
    """The phase's open tasks by party, what is overdue and what was done since the last
    meeting (four queries)."""
    tasks = (
        Task.objects.filter(engagement_id=checkpoint.engagement_id)
        .select_related("owner")
        .order_by("position")
    )
    open_in_phase = list(tasks.open().filter(phase_id=checkpoint.phase_id))
    previous = (
        Checkpoint.objects.filter(
            engagement_id=checkpoint.engagement_id,
            cancelled_at__isnull=True,
            starts_at__lt=checkpoint.starts_at,
        )
        .order_by("-starts_at")
        .first()
    )
    since = previous.starts_at if previous else checkpoint.engagement.created_at
    return CheckpointAgenda(
        open_by_party=[
            (Party(code).label, [t for t in open_in_phase if t.party == code])
            for code in Party.values
        ],
        overdue=list(tasks.overdue(timezone.localdate(now))),
        done_since=list(tasks.in_force().filter(done=True, done_at__gte=since).order_by("done_at")),
        since=since,
    )
