"""The engagement's log: one event per change, in a hash chain (engagements/journal.py appends
them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from engagements.models.tasks import Task
from responsibilities.models import Party


class EventKind(models.TextChoices):
    ENGAGEMENT_CREATED = "engagement_created", _("created the engagement")
    TASK_DONE = "task_done", _("marked done")
    TASK_REOPENED = "task_reopened", _("marked not done")
    NOTE_CHANGED = "note_changed", _("changed the note")
    DUE_DATE_CHANGED = "due_date_changed", _("changed the due date")
    CHECKPOINT_SCHEDULED = "checkpoint_scheduled", _("scheduled a checkpoint")
    CHECKPOINT_CHANGED = "checkpoint_changed", _("changed a checkpoint")
    CHECKPOINT_CANCELLED = "checkpoint_cancelled", _("cancelled a checkpoint")
    MEMBER_ADDED = "member_added", _("added a member")
    MEMBER_REMOVED = "member_removed", _("removed a member")
    MEMBER_CHANGED = "member_changed", _("changed a member's party or role")
    ENGAGEMENT_CHANGED = "engagement_changed", _("changed the engagement's details")
    SHARE_LINK_CREATED = "share_link_created", _("created a share link")
    SHARE_LINK_REVOKED = "share_link_revoked", _("revoked a share link")
    OWNER_CHANGED = "owner_changed", _("changed the owner")
    TASK_CONFIRMED = "task_confirmed", _("confirmed a tick made on their party's behalf")
    GATE_SIGNED = "gate_signed", _("signed off a phase")
    GATE_REOPENED = "gate_reopened", _("reopened a phase")
    EVIDENCE_ADDED = "evidence_added", _("added evidence")
    EVIDENCE_REPLACED = "evidence_replaced", _("replaced evidence")
    COMMENT_ADDED = "comment_added", _("commented")
    GENERAL_ACKNOWLEDGED = "general_acknowledged", _("acknowledged the general responsibilities")
    CHECKPOINT_REPORT_FILED = "checkpoint_report_filed", _("filed a checkpoint's status report")
    CHECKPOINT_BRIEF_WRITTEN = (
        "checkpoint_brief_written",
        _("wrote a checkpoint's summary for the status report"),
    )
    TASK_ADDED = "task_added", _("added a task from the catalogue")
    TASK_CREATED = "task_created", _("added a one-off task")
    TASK_UPDATED = "task_updated", _("updated a task from the catalogue")
    TASK_WORDING_KEPT = "task_wording_kept", _("kept the wording a task was done under")
    TASK_WITHDRAWN = "task_withdrawn", _("withdrew a task")
    TASK_RESTORED = "task_restored", _("brought a withdrawn task back")
    CATALOGUE_APPLIED = "catalogue_applied", _("brought in a catalogue version")
    ACCOUNT_BOUND = "account_bound", _("accepted the invitation with their Microsoft account")
    TENANT_CONNECTED = "tenant_connected", _("connected the customer's tenant")
    TENANT_DISCONNECTED = "tenant_disconnected", _("disconnected the customer's tenant")
    TENANT_REVOKED = "tenant_revoked", _("found the tenant's consent revoked")
    TENANT_CHECKED = "tenant_checked", _("read the customer's tenant")
    TENANT_CONFIRMED = "tenant_confirmed", _("saw the tenant confirm a task")
    TENANT_DRIFT = "tenant_drift", _("saw the tenant stop confirming a done task")
    PLAN_BASELINED = "plan_baselined", _("planned the phases (the baseline)")
    PLAN_CHANGED = "plan_changed", _("changed the plan")


# get_kind_display() rebuilds and hashes every kind's label, translating each, at every call:
# a page of 30 events paid 1,200 translations for 30 labels.
KIND_LABELS = dict(EventKind.choices)


class ActivityEvent(models.Model):
    """An append-only record of one change to an engagement: who (and for which party), what,
    when, from and to. Events are hash-chained per engagement (see engagements/audit.py)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    sequence = models.PositiveIntegerField()
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    checkpoint = models.ForeignKey(
        "Checkpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    # PROTECT: the hash covers the actor, so an account that acted is deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    party = models.CharField(max_length=20, choices=Party.choices, blank=True)
    on_behalf_of = models.CharField(max_length=20, choices=Party.choices, blank=True)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    # What changed, as data (see engagements/activity/text.py): rendered for each reader in
    # their language and time zone. Events from before it hold their values as text above.
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        indexes = [models.Index(fields=["engagement", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "sequence"], name="one_event_per_place_in_chain"
            )
        ]

    def __str__(self):
        return f"{self.actor_name} {self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def kind_label(self) -> str:
        """get_kind_display(), at the cost of one translation."""
        return KIND_LABELS.get(self.kind, self.kind)

    def chain_payload(self) -> dict:
        """Everything the event says, as its hash covers it."""
        payload = {
            "engagement": self.engagement_id,
            "sequence": self.sequence,
            "task": self.task_id,
            "checkpoint": self.checkpoint_id,
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "party": self.party,
            "on_behalf_of": self.on_behalf_of,
            "kind": self.kind,
            "old": self.old_value,
            "new": self.new_value,
            "reason": self.reason,
            "at": self.created_at.isoformat(),
        }
        # Only when present, so events written before `changes` existed keep their hashes.
        if self.changes:
            payload["changes"] = self.changes
        return payload
