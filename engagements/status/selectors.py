"""Engagement statuses, two ways.

From the rows: five queries (the phases, tasks grouped by engagement, phase, party, state and due
date, the gates' sign-offs, the checkpoints, last activity; and the plans, to recompute the
stored status), the same for one
engagement or a batch. The engagement's own pages read this, and it is what the stored status
is recomputed from.

From the stored status (engagements/models/stored_status.py): no query beyond the engagement
row, for the portfolio's rows. `stored_values` turns a status from the rows into the stored
columns, so the refresh, `--check` and `--rebuild` share one definition.
"""

import datetime

from django.db.models import Count, Max
from django.utils import timezone

from engagements.models import (
    ActivityEvent,
    Checkpoint,
    Engagement,
    GateSignOff,
    Task,
    due_soon_until,
)
from engagements.models.stored_status import STORED_FIELDS
from engagements.planning.status import gate_waiting_since, load_plans, plan_values
from engagements.status.rules import EngagementStatus
from engagements.status.sql import at_risk_by
from engagements.status.tallies import Cell, EngagementProgress
from responsibilities.models import PARTIES, Party, Phase


def counted_tasks(engagement_ids):
    """The tasks progress, due dates and the stored status count: phase tasks in force only
    (general responsibilities are standing commitments, withdrawn tasks no longer work)."""
    return Task.objects.in_force().filter(engagement_id__in=engagement_ids, phase__isnull=False)


def _new_statuses(engagements, now, phases=None) -> dict[int, EngagementStatus]:
    today = timezone.localdate(now)
    phases = list(Phase.objects.order_by("order")) if phases is None else phases
    return {e.pk: EngagementStatus(engagement=e, phases=phases, today=today) for e in engagements}


def _load_task_cells(statuses: dict[int, EngagementStatus], today: datetime.date) -> None:
    soon = due_soon_until(today)
    groups = (
        counted_tasks(list(statuses))
        .values(
            "engagement_id",
            "phase_id",
            "party",
            "done",
            "awaiting_confirmation",
            "due_date",
            # Done tasks one group per tick, for the forecast's throughput (a fixed number
            # of queries still; at most a row per task).
            "done_at",
        )
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in groups:
        status, count, due = statuses[row["engagement_id"]], row["count"], row["due_date"]
        cell = status.cells.setdefault((row["phase_id"], row["party"]), Cell())
        cell.total += count
        cell.done += count if row["done"] else 0
        if row["done"] and (done_at := row["done_at"]):
            status.done_moments.setdefault(row["party"], []).extend([done_at] * count)
            last = status.last_done.get(row["phase_id"])
            status.last_done[row["phase_id"]] = max(last, done_at) if last else done_at
        cell.awaiting += count if row["awaiting_confirmation"] else 0
        # Task.objects.overdue and due_soon, read from rows grouped with the done ones.
        if not row["done"] and due is not None:
            status.open_due.setdefault(row["party"], []).extend([due] * count)
            cell.due_soon += count if today <= due <= soon else 0
    for status in statuses.values():
        for dates in status.open_due.values():
            dates.sort()


def _load_checkpoints(statuses: dict[int, EngagementStatus], now) -> None:
    """Every checkpoint not cancelled; the next is the first that starts after now."""
    checkpoints = Checkpoint.objects.filter(
        engagement_id__in=list(statuses), cancelled_at__isnull=True
    ).order_by("engagement_id", "starts_at", "pk")
    for checkpoint in checkpoints:
        status = statuses[checkpoint.engagement_id]
        status.checkpoints.append(checkpoint)
        if status.next_checkpoint is None and checkpoint.starts_at > now:
            status.next_checkpoint = checkpoint


def _load_sign_offs(statuses: dict[int, EngagementStatus]) -> None:
    """The sign-offs in force of every gate of the engagements, and when each gate was last
    reopened (its sign-offs withdrawn), in one query."""
    sign_offs = GateSignOff.objects.filter(gate__engagement_id__in=list(statuses)).values_list(
        "gate__engagement_id", "gate__phase_id", "party", "signed_at", "withdrawn_at"
    )
    for engagement_id, phase_id, party, signed_at, withdrawn_at in sign_offs:
        status = statuses[engagement_id]
        if withdrawn_at is None:
            status.sign_offs[(phase_id, party)] = signed_at
        elif (last := status.last_withdrawn.get(phase_id)) is None or last < withdrawn_at:
            status.last_withdrawn[phase_id] = withdrawn_at


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
    engagements: list[Engagement],
    now: datetime.datetime,
    last_activity: dict | None = None,
    *,
    with_plans: bool = False,
) -> dict[int, EngagementStatus]:
    """The status of each engagement from its rows, in five queries however many there are
    (four when `last_activity` gives each one's latest event time), and one more `with_plans`
    (what the stored status is recomputed from; pages read the plan from the stored status)."""
    statuses = _new_statuses(engagements, now)
    if statuses:
        _load_task_cells(statuses, timezone.localdate(now))
        _load_sign_offs(statuses)
        _load_checkpoints(statuses, now)
        if with_plans:
            load_plans(statuses)
        if last_activity is None:
            _load_last_activity(statuses)
        else:
            for pk, moment in last_activity.items():
                statuses[pk].last_activity_at = moment
        for status in statuses.values():
            status.gate_waiting_since = gate_waiting_since(status)
    return statuses


def engagement_progress(
    engagement: Engagement, now: datetime.datetime, phases=None
) -> EngagementProgress:
    """Just the progress rows of one engagement (two queries, one when given the phases)."""
    statuses = _new_statuses([engagement], now, phases)
    _load_task_cells(statuses, timezone.localdate(now))
    return statuses[engagement.pk].progress()


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def stored_values(status: EngagementStatus) -> dict:
    """The stored status columns (by attribute name) that say what `status` says; none
    depends on today."""
    due = {party: list(status.open_due.get(party, [])) for party in PARTIES}
    current = status.current_phase
    values = {
        "status_current_phase_id": current.pk if current else None,
        "status_waiting_on": status.waiting_on() or "",
        "status_customer_done": status.customer.done,
        "status_customer_total": status.customer.total,
        "status_microsoft_done": status.microsoft.done,
        "status_microsoft_total": status.microsoft.total,
        "status_customer_percent": status.customer.percent,
        "status_microsoft_percent": status.microsoft.percent,
        "status_customer_due": due[Party.CUSTOMER],
        "status_microsoft_due": due[Party.MICROSOFT],
        "status_first_due": status.earliest_due,
        "status_checkpoints": [c.starts_at for c in status.checkpoints],
        "status_checkpoint_behind": [status.phase_behind(c.phase_id) for c in status.checkpoints],
        "status_last_activity_at": status.last_activity_at,
        "status_quiet_since": status.quiet_since(),
        "status_phases": {
            "cells": sorted(
                [phase_id, party, cell.total, cell.done, cell.awaiting]
                for (phase_id, party), cell in status.cells.items()
            ),
            "sign_offs": sorted(
                [phase_id, party, _utc(signed_at)]
                for (phase_id, party), signed_at in status.sign_offs.items()
            ),
        },
        **plan_values(status),
    }
    return {**values, "status_at_risk_by": at_risk_by(values)}


def status_from_stored(engagement: Engagement, phases, today: datetime.date) -> EngagementStatus:
    """The status the engagement's stored columns describe, for the portfolio's rows; the
    caller gives it its next checkpoint."""
    status = EngagementStatus(
        engagement=engagement,
        phases=phases,
        today=today,
        open_due={
            Party.CUSTOMER: engagement.status_customer_due,
            Party.MICROSOFT: engagement.status_microsoft_due,
        },
        last_activity_at=engagement.status_last_activity_at,
        gate_waiting_since=engagement.status_gate_waiting_since,
    )
    for phase_id, party, total, done, awaiting in engagement.status_phases.get("cells", []):
        status.cells[(phase_id, party)] = Cell(total=total, done=done, awaiting=awaiting)
    for phase_id, party, signed_at in engagement.status_phases.get("sign_offs", []):
        status.sign_offs[(phase_id, party)] = datetime.datetime.fromisoformat(signed_at)
    return status


def recomputed_values(
    engagements: list[Engagement], last_activity: dict | None = None
) -> dict[int, dict]:
    """The stored status each engagement should have, from its rows (six queries, five with
    `last_activity`)."""
    statuses = engagement_statuses(engagements, timezone.now(), last_activity, with_plans=True)
    return {pk: stored_values(status) for pk, status in statuses.items()}


def differing_fields(engagement: Engagement, values: dict) -> list[str]:
    """The stored status columns of the engagement (loaded with them) that are not `values`."""
    return [name for name in STORED_FIELDS if getattr(engagement, name) != values[name]]
