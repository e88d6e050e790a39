"""Reads of an engagement's activity log: the recent list, the audit trail and the burn-up."""

import datetime

from django.utils import timezone

from engagements.models import ActivityEvent, Engagement, EventKind

RECENT_ACTIVITY = 30


def engagement_recent_activity(engagement: Engagement) -> list[ActivityEvent]:
    return list(
        ActivityEvent.objects.filter(engagement=engagement).select_related("task", "checkpoint")[
            :RECENT_ACTIVITY
        ]
    )


def engagement_audit_events(engagement: Engagement, *, newest_first: bool):
    """The whole trail in chain order (or reversed), with each event's task and checkpoint."""
    return engagement.events.select_related("task", "checkpoint").order_by(
        "-sequence" if newest_first else "sequence"
    )


def engagement_burnup(
    engagement: Engagement, today: datetime.date
) -> list[tuple[datetime.date, int]]:
    """Tasks done at the end of each day with a change, from the activity log (one query).

    Starts at zero on the engagement's start date and ends today, so an untick shows as a drop.
    """
    points: dict[datetime.date, int] = {engagement.start_date: 0}
    done = 0
    events = (
        ActivityEvent.objects.filter(
            engagement=engagement, kind__in=[EventKind.TASK_DONE, EventKind.TASK_REOPENED]
        )
        .order_by("created_at", "pk")
        .values_list("created_at", "kind")
    )
    for created_at, kind in events:
        done += 1 if kind == EventKind.TASK_DONE else -1
        points[timezone.localdate(created_at)] = done
    points.setdefault(today, done)
    return sorted(points.items())
