"""The task page's gate panels: each phase's sign-offs in force and what the reader may do."""

from dataclasses import dataclass, field

from responsibilities.models import Party, Phase

from ..access import EngagementAccess
from ..models import GateSignOff
from ..status import PARTIES, EngagementProgress


@dataclass
class GatePanel:
    phase: Phase
    tasks_done: bool
    sign_offs: list[GateSignOff] = field(default_factory=list)
    # (party code, its label) the reader may still sign the phase off for
    signable: list[tuple[str, str]] = field(default_factory=list)
    can_reopen: bool = False

    @property
    def closed(self) -> bool:
        return {sign_off.party for sign_off in self.sign_offs} == set(PARTIES)


def gate_panels(
    access: EngagementAccess, phases: list[Phase], progress: EngagementProgress
) -> dict[int, GatePanel]:
    """One panel per phase (one query: the sign-offs in force with who signed)."""
    # A phase without tasks has nothing left to do either: its gate can be signed at once.
    open_phases = {
        row.phase.pk
        for row in progress.phases
        if row.phase and row.overall.done < row.overall.total
    }
    panels = {
        phase.pk: GatePanel(phase=phase, tasks_done=phase.pk not in open_phases) for phase in phases
    }
    for sign_off in (
        GateSignOff.objects.filter(gate__engagement=access.engagement, withdrawn_at__isnull=True)
        .select_related("signed_by", "gate")
        .order_by("signed_at", "pk")
    ):
        panels[sign_off.gate.phase_id].sign_offs.append(sign_off)
    for panel in panels.values():
        signed = {sign_off.party for sign_off in panel.sign_offs}
        if panel.tasks_done:
            panel.signable = [
                (party, Party(party).label)
                for party in PARTIES
                if party in access.signable_parties and party not in signed
            ]
        panel.can_reopen = bool(panel.sign_offs) and access.can_reopen_gate
    return panels
