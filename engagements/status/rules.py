"""An engagement's status and the rules that read it: progress, the current phase, the days
spent in each phase, whom the current phase waits on, and whether the engagement is at risk.

Phases follow their gates: the current phase is the earliest whose gate is not closed (both
parties' sign-offs in force), a phase whose tasks are done but whose gate is open waits on the
sign-offs still missing, and a phase's days run until its gate closed.

The figures come from the rows (`engagements.status.selectors`) or from the stored status
(`engagements.models.stored_status`); everything here is plain Python over them.

An engagement is **at risk** when any of these holds (each gives a reason on the page):
1. an open task is past its due date (due today is not overdue);
2. its next checkpoint starts within RISK_CHECKPOINT_DAYS days and the checkpoint's phase is
   less than RISK_PHASE_DONE_BELOW done;
3. tasks are open and nothing has happened for RISK_STALLED_DAYS days;
and the plan's rules (engagements/planning/risk.py): the forecast end at 85% well after the
planned end, a gate waiting on a sign-off too long. It is **late** when the forecast end at 50%
(or, without a forecast, today) is well after the planned end. `level` says which.
"""

import datetime
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.models import Checkpoint, Engagement
from engagements.planning import risk
from engagements.planning.selectors import EngagementPlan, engagement_plan
from engagements.planning.status import PlanRows
from engagements.status.tallies import (
    Cell,
    EngagementProgress,
    PhaseCell,
    PhaseProgress,
    Tally,
)
from responsibilities.models import PARTIES, Party, Phase

RISK_CHECKPOINT_DAYS = 3
RISK_PHASE_DONE_BELOW = 0.5
RISK_STALLED_DAYS = 14
COMPLETED = "completed"

_EMPTY_CELL = Cell()


def _sign_off_label(waiting: str) -> str:
    return {
        "customer": _("waiting on the customer's sign-off"),
        "microsoft": _("waiting on Microsoft's sign-off"),
        "both": _("waiting on both parties' sign-off"),
    }[waiting]


@dataclass
class EngagementStatus:
    """Filled by the selectors before anyone reads it; derived figures are then cached."""

    engagement: Engagement
    phases: list[Phase]
    today: datetime.date
    cells: dict[tuple[int | None, str], Cell] = field(default_factory=dict)
    # (phase id, party) -> when that party's sign-off in force was made
    sign_offs: dict[tuple[int, str], datetime.datetime] = field(default_factory=dict)
    # party -> the due dates of its open phase tasks, one per task, sorted
    open_due: dict[str, list[datetime.date]] = field(default_factory=dict)
    # every checkpoint not cancelled, by start (loaded from the rows, for the stored status)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    next_checkpoint: Checkpoint | None = None
    last_activity_at: datetime.datetime | None = None
    # For the plan's part of the stored status (engagements/planning/status.py), from the rows:
    # party -> when each of its done phase tasks was ticked; phase id -> its last tick and
    # its gate's last reopening; the current plan and the baseline.
    done_moments: dict[str, list[datetime.datetime]] = field(default_factory=dict)
    last_done: dict[int, datetime.datetime] = field(default_factory=dict)
    last_withdrawn: dict[int, datetime.datetime] = field(default_factory=dict)
    plan: PlanRows = field(default_factory=PlanRows)
    # Since when the current phase's gate waits on a sign-off: from the rows, or stored.
    gate_waiting_since: datetime.datetime | None = None

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
        """Open tasks due before today, per party (the due lists are sorted)."""
        return {party: bisect_left(self.open_due.get(party, []), self.today) for party in PARTIES}

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_party.values())

    @property
    def earliest_due(self) -> datetime.date | None:
        """The earliest due date of an open task: how overdue the engagement is, when past."""
        return min((dates[0] for dates in self.open_due.values() if dates), default=None)

    def phase_behind(self, phase_id) -> bool:
        """The phase has tasks and less than RISK_PHASE_DONE_BELOW of them are done."""
        cells = [self.cell(phase_id, party) for party in PARTIES]
        total, done = sum(c.total for c in cells), sum(c.done for c in cells)
        return bool(total) and done < RISK_PHASE_DONE_BELOW * total

    def quiet_since(self) -> datetime.datetime:
        """Where the quiet count starts: the last event, or before any, midnight (portal
        time) of the start date."""
        return self.last_activity_at or timezone.make_aware(
            datetime.datetime.combine(self.engagement.start_date, datetime.time()),
            timezone.get_default_timezone(),
        )

    def gate_closed_at(self, phase) -> datetime.datetime | None:
        """When the phase's gate closed (its second sign-off), if both parties have signed."""
        moments = [self.sign_offs.get((phase.pk, p)) for p in PARTIES]
        return max(moments) if all(moments) else None

    def tasks_all_done(self, phase) -> bool:
        tally = self.phase_tally(phase)
        return tally.done == tally.total

    @cached_property
    def current_phase(self) -> Phase | None:
        """The earliest phase whose gate is not closed; None once every gate is."""
        return next((phase for phase in self.phases if not self.gate_closed_at(phase)), None)

    def days_in_phase(self, phase) -> int | None:
        """Days from the phase's start to its gate's closing (or today); None before it starts.

        Iniciar starts on the engagement's start date; each later phase when the gate of the one
        before it closed.
        """
        index = self.phases.index(phase)
        if index == 0:
            started = self.engagement.start_date
        else:
            previous_closed = self.gate_closed_at(self.phases[index - 1])
            if previous_closed is None:
                return None
            started = timezone.localdate(previous_closed)
        closed = self.gate_closed_at(phase)
        end = timezone.localdate(closed) if closed else self.today
        return max((end - started).days, 0)

    def awaits_sign_off(self, phase) -> bool:
        """The phase's tasks are done but its gate is still open."""
        return self.tasks_all_done(phase) and not self.gate_closed_at(phase)

    def _unsigned(self, phase) -> str:
        """Who has not signed the phase off: 'customer', 'microsoft' or 'both'."""
        waiting = [p for p in PARTIES if (phase.pk, p) not in self.sign_offs]
        return waiting[0] if len(waiting) == 1 else "both"

    def waiting_on(self) -> str | None:
        """Whom the current phase holds up: 'customer', 'microsoft' or 'both'; those with open
        tasks, or, once the tasks are done, those still to sign the phase off."""
        phase = self.current_phase
        if phase is None:
            return None
        if self.awaits_sign_off(phase):
            return self._unsigned(phase)
        open_parties = [
            p for p in PARTIES if self.cell(phase.pk, p).done < self.cell(phase.pk, p).total
        ]
        return open_parties[0] if len(open_parties) == 1 else "both"

    def waiting_label(self) -> str:
        """The current phase's wait, in words ('' once every gate is closed)."""
        waiting = self.waiting_on()
        if waiting is None:
            return ""
        if self.awaits_sign_off(self.current_phase):
            return _sign_off_label(waiting)
        return {
            "customer": _("waiting on the customer"),
            "microsoft": _("waiting on Microsoft"),
            "both": _("waiting on both"),
        }[waiting]

    def gate_label(self, phase) -> str:
        """The phase's gate in words: closed on a date, or whose sign-off it waits for ('' while
        its tasks are open)."""
        closed = self.gate_closed_at(phase)
        if closed:
            return _("closed on %(date)s") % {
                "date": formats.date_format(timezone.localdate(closed), "SHORT_DATE_FORMAT")
            }
        return _sign_off_label(self._unsigned(phase)) if self.tasks_all_done(phase) else ""

    def gate_labels(self) -> list[tuple[Phase, str]]:
        """Each phase whose gate has something to say, with what it says."""
        return [(phase, label) for phase in self.phases if (label := self.gate_label(phase))]

    def matrix_cells(self) -> list[PhaseCell]:
        current = self.current_phase
        return [
            PhaseCell(
                phase=phase,
                customer=self.phase_tally(phase, Party.CUSTOMER),
                microsoft=self.phase_tally(phase, Party.MICROSOFT),
                days=self.days_in_phase(phase),
                is_current=phase == current,
                is_done=self.gate_closed_at(phase) is not None,
                waiting_label=self.waiting_label() if phase == current else "",
                gate_label=self.gate_label(phase),
            )
            for phase in self.phases
        ]

    def progress(self) -> EngagementProgress:
        """The phases' tasks as progress rows per phase and party."""
        rows = []
        for phase in self.phases:
            by_party = {
                p: Tally(done=self.cell(phase.pk, p).done, total=self.cell(phase.pk, p).total)
                for p in PARTIES
            }
            progress = PhaseProgress(
                phase=phase,
                by_party=by_party,
                awaiting_by_party={p: self.cell(phase.pk, p).awaiting for p in PARTIES},
            )
            if progress.overall.total:
                rows.append(progress)
        return EngagementProgress(phases=rows)

    def plan_for(self, today: datetime.date) -> EngagementPlan:
        """The plan and forecast as dates for `today`, from the stored status (no query)."""
        return engagement_plan(self.engagement, self.phases, today)

    def late_reasons(self, now: datetime.datetime) -> list[str]:
        """Why the engagement is late (engagements/planning/risk.py); empty if it is not."""
        return risk.late_reasons(self.plan_for(self.today))

    def level(self, now: datetime.datetime) -> str:
        """risk.LATE, risk.AT_RISK or risk.ON_TRACK."""
        if self.late_reasons(now):
            return risk.LATE
        return risk.AT_RISK if self.risk_reasons(now) else risk.ON_TRACK

    def risk_reasons(self, now: datetime.datetime) -> list[str]:
        """Why the engagement is not on track, late's reasons first (the rules in this
        module's docstring); empty if it is on track."""
        reasons = self.late_reasons(now)
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
        if (
            checkpoint
            and checkpoint.starts_at <= now + datetime.timedelta(days=RISK_CHECKPOINT_DAYS)
            and self.phase_behind(checkpoint.phase_id)
        ):
            phase = next(p for p in self.phases if p.pk == checkpoint.phase_id)
            tally = self.phase_tally(phase)
            days = (timezone.localdate(checkpoint.starts_at) - self.today).days
            reasons.append(
                ngettext(
                    "“%(title)s” is in %(days)d day and %(phase)s is only %(percent)d%% done",
                    "“%(title)s” is in %(days)d days and %(phase)s is only %(percent)d%% done",
                    days,
                )
                % {
                    "title": checkpoint.title,
                    "days": days,
                    "phase": phase.name,
                    "percent": tally.percent,
                }
            )
        if self.overall.done < self.overall.total:
            quiet_days = (now - self.quiet_since()).days
            if quiet_days >= RISK_STALLED_DAYS:
                reasons.append(
                    ngettext(
                        "no activity for %(days)d day", "no activity for %(days)d days", quiet_days
                    )
                    % {"days": quiet_days}
                )
        current = self.current_phase
        return reasons + risk.plan_risk_reasons(
            self.plan_for(self.today),
            waiting_since=self.gate_waiting_since,
            waiting_label=self.waiting_label(),
            phase_name=current.name if current else "",
            now=now,
        )
