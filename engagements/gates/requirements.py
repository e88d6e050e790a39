"""What a phase's gate needs before a party signs it off, in one place.

The sign-off service refuses with the first requirement still unmet, read from the database
under its locks (`gate_requirements`); the gate panel offers a sign-off only when none is unmet,
judged from the figures the task page has already read (`unmet_requirements`), so the page never
offers what the service would refuse. In order:

1. on the first phase, the party has acknowledged its general responsibilities (if it has any);
2. every task of the phase in force is done;
3. no tick made on behalf of a party that has managers still awaits that party's confirmation
   (a party with no manager has no one to confirm, so its ticks do not hold the gate);
4. the party has not signed the phase off already (a reopened gate's sign-offs are withdrawn).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.gates.state import gate_managers, general_tasks
from engagements.models import Engagement, GateSignOff, GeneralAcknowledgement, Task
from responsibilities.models import Party, Phase


@dataclass(frozen=True)
class GateFacts:
    """What one party's sign-off of one phase depends on, however it was read."""

    phase: Phase
    party: str
    open_tasks: int
    unconfirmed: int
    unacknowledged: bool
    signed: bool


def first_phase() -> Phase:
    return Phase.objects.order_by("order").first()


def unmet_requirements(facts: GateFacts) -> list[str]:
    """Each requirement the facts leave unmet, in words, in the order above."""
    party, phase = Party(facts.party).label, facts.phase.name
    unmet = []
    if facts.unacknowledged:
        unmet.append(
            _("Acknowledge %(party)s's general responsibilities before signing off %(phase)s.")
            % {"party": party, "phase": phase}
        )
    if facts.open_tasks:
        unmet.append(
            ngettext(
                "%(phase)s still has %(count)d open task: finish it before signing it off.",
                "%(phase)s still has %(count)d open tasks: finish them before signing it off.",
                facts.open_tasks,
            )
            % {"phase": phase, "count": facts.open_tasks}
        )
    if facts.unconfirmed:
        unmet.append(
            ngettext(
                "%(count)d task of %(phase)s was ticked on its party's behalf and awaits that "
                "party's confirmation.",
                "%(count)d tasks of %(phase)s were ticked on their party's behalf and await "
                "that party's confirmation.",
                facts.unconfirmed,
            )
            % {"count": facts.unconfirmed, "phase": phase}
        )
    if facts.signed:
        unmet.append(
            _("%(party)s has already signed off %(phase)s.") % {"party": party, "phase": phase}
        )
    return unmet


def gate_requirements(engagement: Engagement, phase: Phase, party: str) -> list[str]:
    """The requirements of `party`'s sign-off of `phase` still unmet, read from the database."""
    managed = [p for p, managers in gate_managers(engagement).items() if managers]
    tasks = Task.objects.in_force().filter(engagement=engagement, phase=phase)
    facts = GateFacts(
        phase=phase,
        party=party,
        open_tasks=tasks.open().count(),
        unconfirmed=tasks.filter(awaiting_confirmation=True, party__in=managed).count(),
        unacknowledged=(
            phase == first_phase()
            and general_tasks(engagement, party).exists()
            and not GeneralAcknowledgement.objects.filter(
                engagement=engagement, party=party
            ).exists()
        ),
        signed=GateSignOff.objects.filter(
            gate__engagement=engagement, gate__phase=phase, party=party, withdrawn_at__isnull=True
        ).exists(),
    )
    return unmet_requirements(facts)
