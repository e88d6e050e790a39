"""What a status report says, read through the dashboard's own selectors and status rules."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from engagements.access import EngagementAccess
from engagements.activity.selectors import engagement_burnup
from engagements.gates.selectors import AcknowledgementRow, GatePanel, gate_panels
from engagements.meetings.records import status_report_file_name
from engagements.meetings.selectors import latest_brief
from engagements.models import (
    Checkpoint,
    CheckpointBrief,
    Engagement,
    EvidenceKind,
    TaskEvidence,
)
from engagements.selectors.tasks import DueTasks, engagement_due_tasks
from engagements.status.rules import EngagementStatus
from engagements.status.selectors import engagement_statuses
from engagements.status.tallies import EngagementProgress
from engagements.status.timeline import Timeline, engagement_timeline
from fasttrack.formatting import zone_name
from responsibilities.models import Phase
from tenants.assessment import Assessment, assessment_of
from tenants.models import TenantConnection
from tenants.selectors import connection_of


@dataclass
class StatusReport:
    engagement: Engagement
    as_of: datetime.datetime
    status: EngagementStatus
    progress: EngagementProgress
    risk_reasons: list[str]
    gates: list[tuple[GatePanel, str]]  # each phase's panel with its label on the dashboard
    due: DueTasks
    burnup: list[tuple[datetime.date, int]]
    # The plan against what happened and the forecast, as the dashboard draws it.
    timeline: Timeline
    # Each party's general responsibilities, told as how many and who acknowledged them when:
    # an executive needs to know they stand, not to read them again at every checkpoint.
    commitments: list[AcknowledgementRow]
    # The annex: each evidence file in force with its SHA-256, which emails leave out.
    evidence_files: list[TaskEvidence] = field(default_factory=list)
    # The meeting the report was filed after, when it was.
    checkpoint: Checkpoint | None = None
    # What the managers wrote at that meeting (or, downloaded any day, at the latest one held).
    brief: CheckpointBrief | None = None
    # What the customer's tenant showed at its latest reading, when it was ever read.
    tenant: Assessment | None = None
    tenant_connection: TenantConnection | None = None

    @property
    def zone_name(self) -> str:
        """The active time zone as people say it at the report's moment."""
        return zone_name(timezone.get_current_timezone(), self.as_of)

    @property
    def file_name(self) -> str:
        return status_report_file_name(self.engagement.customer, timezone.localdate(self.as_of))


def _evidence_files(engagement: Engagement) -> list[TaskEvidence]:
    return list(
        TaskEvidence.objects.filter(
            task__engagement=engagement, kind=EvidenceKind.FILE, replaced_by__isnull=True
        )
        .select_related("task__phase")
        .order_by("task__phase__order", "task__position", "pk")
    )


def status_report(
    engagement: Engagement, now: datetime.datetime, *, checkpoint: Checkpoint | None = None
) -> StatusReport:
    """The engagement's status as the dashboard shows it at `now`, with its gates' sign-offs
    and the general responsibilities' acknowledgements, and the managers' brief (a fixed number
    of queries). Texts come out in the active
    language, so call it inside the reader's."""
    status = engagement_statuses([engagement], now)[engagement.pk]
    phases = list(Phase.objects.order_by("order"))
    progress = status.progress()
    # Read as no one in particular: the panels then offer no action, only what is signed.
    panels = gate_panels(EngagementAccess(engagement=engagement, membership=None), phases, progress)
    today = timezone.localdate(now)
    tenant = assessment_of(engagement)
    return StatusReport(
        engagement=engagement,
        as_of=now,
        status=status,
        progress=progress,
        risk_reasons=status.risk_reasons(now),
        gates=[(panels[phase.pk], status.gate_label(phase)) for phase in phases],
        due=engagement_due_tasks(engagement, today),
        burnup=engagement_burnup(engagement, today),
        timeline=engagement_timeline(status, today),
        commitments=panels[phases[0].pk].acknowledgements if phases else [],
        evidence_files=_evidence_files(engagement),
        checkpoint=checkpoint,
        brief=(
            CheckpointBrief.objects.filter(checkpoint=checkpoint)
            .select_related("checkpoint")
            .first()
            if checkpoint
            else latest_brief(engagement, now)
        ),
        tenant=tenant if tenant.run else None,
        tenant_connection=connection_of(engagement) if tenant.run else None,
    )
