"""The task page's gate panels: each phase's sign-offs in force and what the reader may do;
the first phase's also each party's acknowledgement of its general responsibilities."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from engagements.access import EngagementAccess
from engagements.gates.requirements import GateFacts, unmet_requirements
from engagements.models import GateSignOff, GeneralAcknowledgement, Task, TaskEvidence
from engagements.status.tallies import EngagementProgress, PhaseProgress
from responsibilities.models import PARTIES, Party, Phase


@dataclass
class AcknowledgementRow:
    party: str
    party_label: str
    count: int  # the party's general responsibilities
    acknowledgement: GeneralAcknowledgement | None
    can_acknowledge: bool


@dataclass
class GatePanel:
    phase: Phase
    tasks_done: bool
    sign_offs: list[GateSignOff] = field(default_factory=list)
    # (party code, its label) the reader may still sign the phase off for
    signable: list[tuple[str, str]] = field(default_factory=list)
    can_reopen: bool = False
    acknowledgements: list[AcknowledgementRow] = field(default_factory=list)
    awaiting: int = 0  # ticks made on a party's behalf that it has not confirmed
    # The sign-offs the latest reopening withdrew, shown until the gate closes again.
    withdrawn: list[GateSignOff] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return {sign_off.party for sign_off in self.sign_offs} == set(PARTIES)

    @property
    def waiting_for(self) -> str:
        """Whose sign-off the gate still needs: "customer", "microsoft" or "both"."""
        signed = {sign_off.party for sign_off in self.sign_offs}
        unsigned = [party for party in PARTIES if party not in signed]
        return unsigned[0] if len(unsigned) == 1 else "both"


def gate_panels(
    access: EngagementAccess, phases: list[Phase], progress: EngagementProgress
) -> dict[int, GatePanel]:
    """One panel per phase (one query: the sign-offs, in force and withdrawn, with who signed;
    two more for the first phase's acknowledgements). A sign-off is offered only where the
    gate's requirements (engagements/gates/requirements.py) are met."""
    rows = {row.phase.pk: row for row in progress.phases}
    acknowledgements = acknowledgement_rows(access) if phases else []
    unacknowledged = {row.party for row in acknowledgements if row.acknowledgement is None}
    panels = {}
    for phase in phases:
        # A phase without tasks has nothing left to do either: its gate can be signed at once.
        row = rows.get(phase.pk) or PhaseProgress(phase=phase)
        panels[phase.pk] = GatePanel(
            phase=phase,
            tasks_done=row.overall.done == row.overall.total,
            # Only a party with managers can confirm: the others' ticks do not hold the gate.
            awaiting=sum(row.awaiting_by_party.get(p, 0) for p in access.parties_with_manager),
        )
    for sign_off in (
        GateSignOff.objects.filter(gate__engagement=access.engagement)
        .select_related("signed_by", "gate")
        .order_by("signed_at", "pk")
    ):
        panel = panels[sign_off.gate.phase_id]
        if sign_off.withdrawn_at is None:
            panel.sign_offs.append(sign_off)
        elif not panel.withdrawn or sign_off.withdrawn_at > panel.withdrawn[0].withdrawn_at:
            panel.withdrawn = [sign_off]
        elif sign_off.withdrawn_at == panel.withdrawn[0].withdrawn_at:
            panel.withdrawn.append(sign_off)
    for position, panel in enumerate(panels.values()):
        if panel.closed:
            panel.withdrawn = []
        signed = {sign_off.party for sign_off in panel.sign_offs}
        row = rows.get(panel.phase.pk) or PhaseProgress(phase=panel.phase)
        panel.signable = [
            (party, Party(party).label)
            for party in PARTIES
            if party in access.signable_parties
            and not unmet_requirements(
                GateFacts(
                    phase=panel.phase,
                    party=party,
                    open_tasks=row.overall.total - row.overall.done,
                    unconfirmed=panel.awaiting,
                    unacknowledged=position == 0 and party in unacknowledged,
                    signed=party in signed,
                )
            )
        ]
        panel.can_reopen = bool(panel.sign_offs) and access.can_reopen_gate
    if phases:
        panels[phases[0].pk].acknowledgements = acknowledgements
    return panels


def acknowledgement_rows(access: EngagementAccess) -> list[AcknowledgementRow]:
    """Each party with general responsibilities, with its acknowledgement (two queries)."""
    counts = dict(
        Task.objects.in_force()
        .filter(engagement=access.engagement, phase=None)
        .values_list("party")
        .annotate(count=Count("pk"))
        .order_by()
    )
    acknowledgements = {
        acknowledgement.party: acknowledgement
        for acknowledgement in GeneralAcknowledgement.objects.filter(
            engagement=access.engagement
        ).select_related("acknowledged_by")
    }
    return [
        AcknowledgementRow(
            party=party,
            party_label=Party(party).label,
            count=counts[party],
            acknowledgement=acknowledgements.get(party),
            can_acknowledge=party in access.signable_parties,
        )
        for party in PARTIES
        if counts.get(party)
    ]


def phase_tasks_with_evidence(engagement, phase) -> list[Task]:
    """The phase's tasks in page order, each with who did it and its evidence (`evidence_list`),
    as a gate's emails list them (two queries)."""
    return list(
        Task.objects.filter(engagement=engagement, phase=phase)
        .select_related("done_by")
        .prefetch_related(
            Prefetch(
                "evidence", queryset=TaskEvidence.objects.order_by("pk"), to_attr="evidence_list"
            )
        )
        .order_by("position")
    )
