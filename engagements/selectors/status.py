"""Engagement statuses from five queries (the phases, tasks grouped by engagement, phase and
party, the gates' sign-offs in force, upcoming checkpoints, last activity), the same five for
one engagement or a portfolio."""

import datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from responsibilities.models import Phase

from ..models import ActivityEvent, Checkpoint, Engagement, GateSignOff, Task
from ..status import DUE_SOON_DAYS, Cell, EngagementProgress, EngagementStatus


def _new_statuses(engagements, now, phases=None) -> dict[int, EngagementStatus]:
    today = timezone.localdate(now)
    phases = list(Phase.objects.order_by("order")) if phases is None else phases
    return {e.pk: EngagementStatus(engagement=e, phases=phases, today=today) for e in engagements}


def _load_task_cells(statuses: dict[int, EngagementStatus], today: datetime.date) -> None:
    open_task = Q(done=False)
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    task_counts = (
        # General responsibilities are standing commitments, not progress.
        Task.objects.in_force()
        .filter(engagement_id__in=list(statuses), phase__isnull=False)
        .values("engagement_id", "phase_id", "party")
        .annotate(
            total=Count("pk"),
            done_count=Count("pk", filter=Q(done=True)),
            overdue=Count("pk", filter=open_task & Q(due_date__lt=today)),
            due_soon=Count("pk", filter=open_task & Q(due_date__gte=today, due_date__lte=soon)),
            last_done_at=Max("done_at"),
            awaiting=Count("pk", filter=Q(awaiting_confirmation=True)),
        )
        .order_by()
    )
    for row in task_counts:
        statuses[row["engagement_id"]].cells[(row["phase_id"], row["party"])] = Cell(
            total=row["total"],
            done=row["done_count"],
            overdue=row["overdue"],
            due_soon=row["due_soon"],
            last_done_at=row["last_done_at"],
            awaiting=row["awaiting"],
        )


def _load_next_checkpoints(statuses: dict[int, EngagementStatus], now) -> None:
    upcoming = Checkpoint.objects.filter(
        engagement_id__in=list(statuses), cancelled_at__isnull=True, starts_at__gt=now
    ).order_by("engagement_id", "starts_at")
    for checkpoint in upcoming:
        status = statuses[checkpoint.engagement_id]
        if status.next_checkpoint is None:
            status.next_checkpoint = checkpoint


def _load_sign_offs(statuses: dict[int, EngagementStatus]) -> None:
    """The sign-offs in force of every gate of the engagements, in one query."""
    sign_offs = GateSignOff.objects.filter(
        gate__engagement_id__in=list(statuses), withdrawn_at__isnull=True
    ).values_list("gate__engagement_id", "gate__phase_id", "party", "signed_at")
    for engagement_id, phase_id, party, signed_at in sign_offs:
        statuses[engagement_id].sign_offs[(phase_id, party)] = signed_at


def _load_last_activity(statuses: dict[int, EngagementStatus]) -> None:
    last_activity = (
        ActivityEvent.objects.filter(engagement_id__in=list(statuses))
        .values("engagement_id")
        .annotate(last=Max("created_at"))
        .order_by()
    )
    for row in last_activity:
        statuses[row["engagement_id"]].last_activity_at = row["last"]


def engagement_statuses(
    engagements: list[Engagement], now: datetime.datetime
) -> dict[int, EngagementStatus]:
    """The status of each engagement in five queries, however many engagements there are."""
    statuses = _new_statuses(engagements, now)
    if statuses:
        _load_task_cells(statuses, timezone.localdate(now))
        _load_sign_offs(statuses)
        _load_next_checkpoints(statuses, now)
        _load_last_activity(statuses)
    return statuses


def engagement_progress(
    engagement: Engagement, now: datetime.datetime, phases=None
) -> EngagementProgress:
    """Just the progress rows of one engagement (two queries, one when given the phases)."""
    statuses = _new_statuses([engagement], now, phases)
    _load_task_cells(statuses, timezone.localdate(now))
    return statuses[engagement.pk].progress()
