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
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from responsibilities.models import Party, Phase

from .models import ActivityEvent, Checkpoint, Engagement, EventKind, Task
from .selectors import EngagementProgress, PhaseProgress, Tally

PARTIES = tuple(Party.values)
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


_EMPTY_CELL = Cell()


@dataclass
class PhaseCell:
    """One engagement's phase in the portfolio matrix."""

    phase: Phase
    customer: Tally
    microsoft: Tally
    days: int | None
    is_current: bool
    is_done: bool
    waiting_label: str

    @property
    def days_label(self) -> str:
        if self.days is None:
            return ""
        return ngettext("%(days)d day", "%(days)d days", self.days) % {"days": self.days}


@dataclass
class EngagementStatus:
    """Filled by the loaders below before anyone reads it; derived figures are then cached."""

    engagement: Engagement
    phases: list[Phase]
    today: datetime.date
    cells: dict[tuple[int | None, str], Cell] = field(default_factory=dict)
    next_checkpoint: Checkpoint | None = None
    last_activity_at: datetime.datetime | None = None

    def cell(self, phase_id, party) -> Cell:
        return self.cells.get((phase_id, party), _EMPTY_CELL)

    @cached_property
    def _party_tallies(self) -> dict[str, Tally]:
        tallies = {party: Tally() for party in PARTIES}
        for (_phase, party), cell in self.cells.items():
            tallies[party].done += cell.done
            tallies[party].total += cell.total
        return tallies

    @property
    def customer(self) -> Tally:
        return self._party_tallies[Party.CUSTOMER]

    @property
    def microsoft(self) -> Tally:
        return self._party_tallies[Party.MICROSOFT]

    @cached_property
    def overall(self) -> Tally:
        return Tally(
            done=sum(t.done for t in self._party_tallies.values()),
            total=sum(t.total for t in self._party_tallies.values()),
        )

    def phase_tally(self, phase, party=None) -> Tally:
        cells = [self.cell(phase.pk, p) for p in ([party] if party else PARTIES)]
        return Tally(done=sum(c.done for c in cells), total=sum(c.total for c in cells))

    @cached_property
    def overdue_by_party(self) -> dict[str, int]:
        overdue = dict.fromkeys(PARTIES, 0)
        for (_phase, party), cell in self.cells.items():
            overdue[party] += cell.overdue
        return overdue

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_party.values())

    @cached_property
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
        moments = [self.cell(phase.pk, p).last_done_at for p in PARTIES]
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
            p for p in PARTIES if self.cell(phase.pk, p).done < self.cell(phase.pk, p).total
        ]
        return open_parties[0] if len(open_parties) == 1 else "both"

    def matrix_cells(self) -> list["PhaseCell"]:
        current = self.current_phase
        waiting_labels = {
            "customer": _("waiting on the customer"),
            "microsoft": _("waiting on Microsoft"),
            "both": _("waiting on both"),
        }
        return [
            PhaseCell(
                phase=phase,
                customer=self.phase_tally(phase, Party.CUSTOMER),
                microsoft=self.phase_tally(phase, Party.MICROSOFT),
                days=self.days_in_phase(phase),
                is_current=phase == current,
                is_done=self.phase_done_at(phase) is not None,
                waiting_label=waiting_labels[self.waiting_on()] if phase == current else "",
            )
            for phase in self.phases
        ]

    def risk_reasons(self, now: datetime.datetime) -> list[str]:
        """Why the engagement is at risk (the rules in this module's docstring); empty if not."""
        reasons = []
        overdue = self.overdue_by_party
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
            for p in PARTIES
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
    due = DueTasks(overdue={p: [] for p in PARTIES}, due_soon={p: [] for p in PARTIES})
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


COMPLETED = "completed"
PORTFOLIO_PAGE_SIZE = 50
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)
_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)

# Sort keys for the portfolio's columns; ties fall back to the customer's name.
PORTFOLIO_SORTS = {
    "customer": lambda s, now: s.engagement.customer.lower(),
    "services": lambda s, now: ", ".join(s.engagement.services()),
    "phase": lambda s, now: s.current_phase.order if s.current_phase else 99,
    "customer_progress": lambda s, now: s.customer.percent,
    "microsoft_progress": lambda s, now: s.microsoft.percent,
    "overdue": lambda s, now: s.overdue,
    "next_checkpoint": lambda s, now: s.next_checkpoint.starts_at if s.next_checkpoint else _LATEST,
    "last_activity": lambda s, now: s.last_activity_at or _EARLIEST,
    "risk": lambda s, now: len(s.risk_reasons(now)),
}


@dataclass
class PortfolioRow:
    status: EngagementStatus
    risk_reasons: list[str]

    @property
    def engagement(self):
        return self.status.engagement


def _portfolio_base(user, filters: dict):
    engagements = Engagement.objects.visible_to(user)
    if filters.get("q"):
        engagements = engagements.filter(customer__icontains=filters["q"])
    if filters.get("service"):
        engagements = engagements.filter(**{filters["service"]: True})
    return engagements.order_by("customer", "pk")


def _keeps(row: PortfolioRow, filters: dict) -> bool:
    phase, at_risk = filters.get("phase"), filters.get("at_risk")
    current = row.status.current_phase
    if phase and (current.code if current else COMPLETED) != phase:
        return False
    return not (at_risk and (at_risk == "yes") != bool(row.risk_reasons))


def portfolio_rows(user, filters: dict, now: datetime.datetime) -> list[PortfolioRow]:
    """Every engagement the user may see that passes the filters, sorted (whole portfolio)."""
    engagements = list(_portfolio_base(user, filters))
    statuses = engagement_statuses(engagements, now)
    rows = [PortfolioRow(status=s, risk_reasons=s.risk_reasons(now)) for s in statuses.values()]
    rows = [row for row in rows if _keeps(row, filters)]
    sort = filters.get("sort") or "customer"
    key = PORTFOLIO_SORTS[sort.lstrip("-")]
    rows.sort(key=lambda row: row.engagement.customer.lower())
    rows.sort(key=lambda row: key(row.status, now), reverse=sort.startswith("-"))
    return rows


def portfolio_page(user, filters: dict, page_number, now: datetime.datetime):
    """One page of the portfolio table.

    Sorted by customer with no filter on computed columns, the database pages the engagements
    and only that page's statuses are computed, so the cost does not grow with the portfolio.
    Any other sort or filter needs every engagement's status first.
    """
    sort = filters.get("sort") or "customer"
    if sort.lstrip("-") == "customer" and not filters.get("phase") and not filters.get("at_risk"):
        engagements = _portfolio_base(user, filters)
        if sort.startswith("-"):
            engagements = engagements.reverse()
        page = Paginator(engagements, PORTFOLIO_PAGE_SIZE).get_page(page_number)
        statuses = engagement_statuses(list(page.object_list), now)
        page.object_list = [
            PortfolioRow(status=s, risk_reasons=s.risk_reasons(now)) for s in statuses.values()
        ]
        return page
    rows = portfolio_rows(user, filters, now)
    return Paginator(rows, PORTFOLIO_PAGE_SIZE).get_page(page_number)


@dataclass
class PortfolioSummary:
    per_phase: list[tuple[str, int]]
    on_track: int
    at_risk: int
    overdue_by_party: dict[str, int]
    waiting_by_phase: list[tuple[str, dict[str, int]]]


def portfolio_summary(rows: list[PortfolioRow]) -> PortfolioSummary:
    """Counts over the whole (filtered) portfolio, for the summary charts."""
    phases = rows[0].status.phases if rows else list(Phase.objects.order_by("order"))
    per_phase = {phase.code: 0 for phase in phases} | {COMPLETED: 0}
    waiting = {phase.code: {"customer": 0, "microsoft": 0, "both": 0} for phase in phases}
    overdue = dict.fromkeys(PARTIES, 0)
    for row in rows:
        current = row.status.current_phase
        per_phase[current.code if current else COMPLETED] += 1
        if current:
            waiting[current.code][row.status.waiting_on()] += 1
        for party, count in row.status.overdue_by_party.items():
            overdue[party] += count
    names = {phase.code: phase.name for phase in phases} | {COMPLETED: _("Completed")}
    at_risk = sum(1 for row in rows if row.risk_reasons)
    return PortfolioSummary(
        per_phase=[(names[code], count) for code, count in per_phase.items()],
        on_track=len(rows) - at_risk,
        at_risk=at_risk,
        overdue_by_party=overdue,
        waiting_by_phase=[(names[code], counts) for code, counts in waiting.items()],
    )
