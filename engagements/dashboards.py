"""Reads behind the dashboards: each engagement's status, at-risk rule, and portfolio views.

One status is computed the same way for one engagement, a page of fifty or a whole portfolio:
three grouped queries (tasks by phase and party, upcoming checkpoints, last activity), whatever
the number of engagements, then plain Python.

An engagement is **at risk** when any of these holds (each gives a reason on the page):
1. an open task is past its due date;
2. its next checkpoint starts within RISK_CHECKPOINT_DAYS days and the checkpoint's phase is
   less than RISK_PHASE_DONE_BELOW done;
3. tasks are open and nothing has happened for RISK_STALLED_DAYS days.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from responsibilities.models import Party, Phase

from .models import ActivityEvent, Checkpoint, Engagement, EventKind, Task
from .selectors import EngagementProgress, PhaseProgress, Tally

RISK_CHECKPOINT_DAYS = 3
RISK_PHASE_DONE_BELOW = 0.5
RISK_STALLED_DAYS = 14
DUE_SOON_DAYS = 7


@dataclass
class Cell:
    """The tasks of one phase (or the general ones) for one party."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    due_soon: int = 0
    last_done_at: datetime.datetime | None = None


@dataclass
class EngagementStatus:
    engagement: Engagement
    phases: list[Phase]
    today: datetime.date
    cells: dict[tuple[int | None, str], Cell] = field(default_factory=dict)
    next_checkpoint: Checkpoint | None = None
    last_activity_at: datetime.datetime | None = None

    def cell(self, phase_id, party) -> Cell:
        return self.cells.get((phase_id, party), Cell())

    def party_tally(self, party) -> Tally:
        cells = [c for (_phase, p), c in self.cells.items() if p == party]
        return Tally(done=sum(c.done for c in cells), total=sum(c.total for c in cells))

    @property
    def customer(self) -> Tally:
        return self.party_tally(Party.CUSTOMER)

    @property
    def microsoft(self) -> Tally:
        return self.party_tally(Party.MICROSOFT)

    @property
    def overall(self) -> Tally:
        return Tally(
            done=sum(c.done for c in self.cells.values()),
            total=sum(c.total for c in self.cells.values()),
        )

    def phase_tally(self, phase, party=None) -> Tally:
        parties = [party] if party else Party.values
        cells = [self.cell(phase.pk, p) for p in parties]
        return Tally(done=sum(c.done for c in cells), total=sum(c.total for c in cells))

    def overdue_by_party(self) -> dict[str, int]:
        return {
            p: sum(c.overdue for (_ph, q), c in self.cells.items() if q == p) for p in Party.values
        }

    def due_soon_by_party(self) -> dict[str, int]:
        return {
            p: sum(c.due_soon for (_ph, q), c in self.cells.items() if q == p) for p in Party.values
        }

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_party().values())

    @property
    def current_phase(self) -> Phase | None:
        """The earliest phase with open tasks; None once every phase is done."""
        for phase in self.phases:
            tally = self.phase_tally(phase)
            if tally.done < tally.total:
                return phase
        return None

    def phase_done_at(self, phase) -> datetime.datetime | None:
        """When the phase's last task was done, if all of them are."""
        tally = self.phase_tally(phase)
        if not tally.total or tally.done < tally.total:
            return None
        moments = [self.cell(phase.pk, p).last_done_at for p in Party.values]
        return max((m for m in moments if m), default=None)

    def days_in_phase(self, phase) -> int | None:
        """Days from the phase's start to its end (or today); None before it starts.

        Iniciar starts on the engagement's start date; each later phase when the one before it
        was done.
        """
        index = self.phases.index(phase)
        if index == 0:
            started = self.engagement.start_date
        else:
            previous_done = self.phase_done_at(self.phases[index - 1])
            if previous_done is None:
                return None
            started = timezone.localdate(previous_done)
        finished = self.phase_done_at(phase)
        end = timezone.localdate(finished) if finished else self.today
        return max((end - started).days, 0)

    def waiting_on(self) -> str | None:
        """Whose open tasks hold up the current phase: 'customer', 'microsoft' or 'both'."""
        phase = self.current_phase
        if phase is None:
            return None
        open_parties = [
            p for p in Party.values if self.cell(phase.pk, p).done < self.cell(phase.pk, p).total
        ]
        return open_parties[0] if len(open_parties) == 1 else "both"

    def risk_reasons(self, now: datetime.datetime) -> list[str]:
        """Why the engagement is at risk (the rules in this module's docstring); empty if not."""
        reasons = []
        overdue = self.overdue_by_party()
        if sum(overdue.values()):
            reasons.append(
                ngettext(
                    "%(count)d task overdue (customer %(customer)d, Microsoft %(microsoft)d)",
                    "%(count)d tasks overdue (customer %(customer)d, Microsoft %(microsoft)d)",
                    sum(overdue.values()),
                )
                % {"count": sum(overdue.values()), **overdue}
            )
        checkpoint = self.next_checkpoint
        if checkpoint and checkpoint.starts_at <= now + datetime.timedelta(
            days=RISK_CHECKPOINT_DAYS
        ):
            phase = next(p for p in self.phases if p.pk == checkpoint.phase_id)
            tally = self.phase_tally(phase)
            if tally.total and tally.done < RISK_PHASE_DONE_BELOW * tally.total:
                days = (timezone.localdate(checkpoint.starts_at) - self.today).days
                reasons.append(
                    _("“%(title)s” is in %(days)d days and %(phase)s is only %(percent)d%% done")
                    % {
                        "title": checkpoint.title,
                        "days": days,
                        "phase": phase.name,
                        "percent": tally.percent,
                    }
                )
        if self.overall.done < self.overall.total:
            quiet_since = self.last_activity_at or timezone.make_aware(
                datetime.datetime.combine(self.engagement.start_date, datetime.time())
            )
            quiet_days = (now - quiet_since).days
            if quiet_days >= RISK_STALLED_DAYS:
                reasons.append(
                    ngettext(
                        "no activity for %(days)d day", "no activity for %(days)d days", quiet_days
                    )
                    % {"days": quiet_days}
                )
        return reasons


def _new_statuses(engagements, now) -> dict[int, EngagementStatus]:
    today = timezone.localdate(now)
    phases = list(Phase.objects.order_by("order"))
    return {e.pk: EngagementStatus(engagement=e, phases=phases, today=today) for e in engagements}


def _load_task_cells(statuses: dict[int, EngagementStatus], today: datetime.date) -> None:
    open_task = Q(done=False)
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    task_counts = (
        Task.objects.filter(engagement_id__in=list(statuses))
        .values("engagement_id", "phase_id", "party")
        .annotate(
            total=Count("pk"),
            done_count=Count("pk", filter=Q(done=True)),
            overdue=Count("pk", filter=open_task & Q(due_date__lt=today)),
            due_soon=Count("pk", filter=open_task & Q(due_date__gte=today, due_date__lte=soon)),
            last_done_at=Max("done_at"),
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
        )


def _load_next_checkpoints(statuses: dict[int, EngagementStatus], now) -> None:
    upcoming = Checkpoint.objects.filter(
        engagement_id__in=list(statuses), cancelled_at__isnull=True, starts_at__gt=now
    ).order_by("engagement_id", "starts_at")
    for checkpoint in upcoming:
        status = statuses[checkpoint.engagement_id]
        if status.next_checkpoint is None:
            status.next_checkpoint = checkpoint


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
    """The status of each engagement in four queries, however many engagements there are."""
    statuses = _new_statuses(engagements, now)
    if statuses:
        _load_task_cells(statuses, timezone.localdate(now))
        _load_next_checkpoints(statuses, now)
        _load_last_activity(statuses)
    return statuses


def status_progress(status: EngagementStatus) -> EngagementProgress:
    """The status's tasks as progress rows per phase and party (general items first)."""
    rows = [None, *status.phases]
    phases = []
    for phase in rows:
        phase_id = phase.pk if phase else None
        by_party = {
            p: Tally(done=status.cell(phase_id, p).done, total=status.cell(phase_id, p).total)
            for p in Party.values
        }
        progress = PhaseProgress(phase=phase, by_party=by_party)
        if progress.overall.total:
            phases.append(progress)
    return EngagementProgress(phases=phases)


def engagement_progress(engagement: Engagement, now: datetime.datetime) -> EngagementProgress:
    """Just the progress rows of one engagement (two queries)."""
    statuses = _new_statuses([engagement], now)
    _load_task_cells(statuses, timezone.localdate(now))
    return status_progress(statuses[engagement.pk])


@dataclass
class DueTasks:
    overdue: dict[str, list[Task]]
    due_soon: dict[str, list[Task]]


def engagement_due_tasks(engagement: Engagement, today: datetime.date) -> DueTasks:
    """Open tasks past due, and those due within DUE_SOON_DAYS days, by party (one query)."""
    due = DueTasks(overdue={p: [] for p in Party.values}, due_soon={p: [] for p in Party.values})
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    for task in Task.objects.filter(
        engagement=engagement, done=False, due_date__lte=horizon
    ).order_by("due_date", "position"):
        (due.overdue if task.due_date < today else due.due_soon)[task.party].append(task)
    return due


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
