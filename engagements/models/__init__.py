"""Engagements: one customer's onboarding, its tasks (a snapshot of the catalogue) and its log,
by sub-domain. Old migrations name engagements.models.evidence_path and the like: the names
here are the models' public surface."""

from engagements.models.applies import ApplyOutcome, CatalogueApplyItem, CatalogueApplyJob
from engagements.models.engagements import (
    MIN_ELIGIBLE_LICENCES,
    Engagement,
    EngagementQuerySet,
    Option,
)
from engagements.models.events import ActivityEvent, EventKind
from engagements.models.gates import GateSignOff, GeneralAcknowledgement, PhaseGate, phase_is_signed
from engagements.models.meetings import (
    BRIEF_FIELDS,
    Checkpoint,
    CheckpointBrief,
    CheckpointKind,
    CheckpointReport,
    report_path,
)
from engagements.models.members import Membership, Role, ShareLink
from engagements.models.plans import BASELINE_VERSION, ForecastState, Plan, PlannedPhase
from engagements.models.tasks import (
    DUE_SOON_DAYS,
    CommentMention,
    EvidenceKind,
    Task,
    TaskComment,
    TaskEvidence,
    TaskQuerySet,
    due_soon_until,
    evidence_path,
    evidence_storage,
)

__all__ = [
    "ApplyOutcome",
    "CatalogueApplyItem",
    "CatalogueApplyJob",
    "MIN_ELIGIBLE_LICENCES",
    "Option",
    "EngagementQuerySet",
    "Engagement",
    "Role",
    "Membership",
    "ShareLink",
    "DUE_SOON_DAYS",
    "due_soon_until",
    "TaskQuerySet",
    "Task",
    "EvidenceKind",
    "evidence_storage",
    "evidence_path",
    "TaskEvidence",
    "TaskComment",
    "CommentMention",
    "EventKind",
    "ActivityEvent",
    "PhaseGate",
    "GateSignOff",
    "GeneralAcknowledgement",
    "phase_is_signed",
    "CheckpointKind",
    "Checkpoint",
    "BRIEF_FIELDS",
    "CheckpointBrief",
    "report_path",
    "CheckpointReport",
    "BASELINE_VERSION",
    "ForecastState",
    "Plan",
    "PlannedPhase",
]
