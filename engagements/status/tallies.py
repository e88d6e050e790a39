"""What the status pages count, with no rule in them: done of all per party (Tally), per phase
(PhaseProgress) and over the engagement (EngagementProgress), one phase and party's tasks
(Cell), and one engagement's phase in the portfolio matrix (PhaseCell). The rules that read
them are in engagements/status/rules.py."""

from dataclasses import dataclass, field

from django.utils.translation import ngettext

from responsibilities.models import Party, Phase


@dataclass
class Tally:
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class PhaseProgress:
    """Done / applicable per party for one phase."""

    phase: Phase
    by_party: dict[str, Tally] = field(default_factory=dict)
    # Per party, its tasks ticked on its behalf that it has not confirmed.
    awaiting_by_party: dict[str, int] = field(default_factory=dict)

    @property
    def awaiting(self) -> int:
        return sum(self.awaiting_by_party.values())

    @property
    def overall(self) -> Tally:
        return Tally(
            done=sum(t.done for t in self.by_party.values()),
            total=sum(t.total for t in self.by_party.values()),
        )

    def parties(self) -> list[tuple[str, Tally]]:
        return [(Party(code).label, self.by_party[code]) for code in Party.values]


@dataclass
class EngagementProgress:
    phases: list[PhaseProgress]

    def done_phases(self) -> set:
        """The phases whose every task is done and confirmed."""
        return {
            row.phase
            for row in self.phases
            if row.overall.total and row.overall.done == row.overall.total and not row.awaiting
        }

    @property
    def overall(self) -> Tally:
        return Tally(
            done=sum(p.overall.done for p in self.phases),
            total=sum(p.overall.total for p in self.phases),
        )


@dataclass
class Cell:
    """The tasks of one phase for one party."""

    total: int = 0
    done: int = 0
    due_soon: int = 0  # counted from the tasks only, for the engagement's own pages
    awaiting: int = 0  # ticked on the party's behalf, not yet confirmed by it


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
    gate_label: str

    @property
    def days_label(self) -> str:
        if self.days is None:
            return ""
        return ngettext("%(days)d day", "%(days)d days", self.days) % {"days": self.days}
