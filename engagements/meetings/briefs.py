"""A checkpoint's brief for the executives: written by the engagement's managers, carried by the
status report filed after the meeting, every change an event of the trail."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.journal import engagement_changed, event_record
from engagements.models import BRIEF_FIELDS, Checkpoint, CheckpointBrief, EventKind
from fasttrack import bounds


def brief_can_change(checkpoint: Checkpoint) -> bool:
    """A brief is written until the meeting's report is filed with it (or the meeting is
    cancelled): after that the report the attendees received is what the trail says."""
    return not checkpoint.is_cancelled and not checkpoint.reports.exists()


@transaction.atomic
def checkpoint_brief_write(
    *,
    checkpoint: Checkpoint,
    user: AbstractBaseUser,
    summary: str,
    decisions: str,
    next_steps: str,
) -> CheckpointBrief:
    """Write the checkpoint's summary, decisions and help needed, and next steps (managers
    only); records what changed from what to what, and nothing when nothing changed."""
    values = {"summary": summary, "decisions": decisions, "next_steps": next_steps}
    bounds.validate_fields(
        {
            name: (value, bounds.multi_line(bounds.BRIEF_MAX_LENGTH))
            for name, value in values.items()
        }
    )
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if not engagement_access(checkpoint.engagement, user).is_manager:
        raise PermissionDenied(_("Only the engagement's managers write a checkpoint's brief."))
    if not brief_can_change(checkpoint):
        raise ValidationError(
            _("This checkpoint was cancelled or its report was filed: its brief is kept as is.")
        )
    brief = CheckpointBrief.objects.filter(checkpoint=checkpoint).first() or CheckpointBrief(
        checkpoint=checkpoint
    )
    changed = {
        name: [getattr(brief, name), value]
        for name, value in values.items()
        if getattr(brief, name) != value
    }
    if not changed:
        return brief
    for name in BRIEF_FIELDS:
        setattr(brief, name, values[name])
    brief.written_by, brief.written_at = user, timezone.now()
    brief.full_clean()
    brief.save()
    event_record(
        engagement_id=checkpoint.engagement_id,
        checkpoint=checkpoint,
        actor=user,
        kind=EventKind.CHECKPOINT_BRIEF_WRITTEN,
        changes=changed,
    )
    engagement_changed(engagement_id=checkpoint.engagement_id)
    return brief
