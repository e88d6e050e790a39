"""Engagements: one customer's onboarding, its tasks (a snapshot of the catalogue) and its log."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from engagements.models.stored_status import StoredStatus
from fasttrack import bounds
from responsibilities.models import (
    CatalogueVersion,
    Condition,
    Party,
    Phase,
    Responsibility,
    ResponsibilityVersion,
    Service,
    in_active_language,
)

MIN_ELIGIBLE_LICENCES = 150


class Option(models.TextChoices):
    """Scope options that decide which conditional catalogue items apply."""

    MDM = "mdm", _("Mobile device management (MDM)")
    MAM = "mam", _("Mobile application management (MAM)")
    PC_MANAGEMENT = "pc_management", _("PC management")
    FEDERATION = "federation", _("Federated identity (AD FS)")
    MULTIPLE_FORESTS = "multiple_forests", _("More than one AD forest")


class EngagementQuerySet(models.QuerySet):
    def with_catalogue_news(self):
        """Join the catalogue version the engagement is on and annotate `latest_version_number`
        (the newest published), so a page tells of an update without a query of its own."""
        latest = CatalogueVersion.objects.latest_first().values("number")[:1]
        return self.select_related("catalogue_version").annotate(
            latest_version_number=models.Subquery(latest)
        )


class Engagement(StoredStatus):
    customer = models.CharField(
        _("customer organisation"),
        max_length=bounds.CUSTOMER_MAX_LENGTH,
        validators=[bounds.validate_single_line],
    )
    aad_premium = models.BooleanField(Service.AAD_PREMIUM.label, default=False)
    intune = models.BooleanField(Service.INTUNE.label, default=False)
    azure_rms = models.BooleanField(Service.AZURE_RMS.label, default=False)
    mdm = models.BooleanField(Option.MDM.label, default=False)
    mam = models.BooleanField(Option.MAM.label, default=False)
    pc_management = models.BooleanField(Option.PC_MANAGEMENT.label, default=False)
    federation = models.BooleanField(Option.FEDERATION.label, default=False)
    multiple_forests = models.BooleanField(Option.MULTIPLE_FORESTS.label, default=False)
    licence_count = models.PositiveIntegerField(
        _("licence count"),
        validators=[
            MinValueValidator(
                MIN_ELIGIBLE_LICENCES,
                _("The programme needs at least %(limit_value)s eligible licences."),
            ),
            MaxValueValidator(bounds.LICENCE_MAX_COUNT),
        ],
    )
    purchase_date = models.DateField(
        _("licence purchase date"), validators=[bounds.validate_date_in_window]
    )
    start_date = models.DateField(_("start date"), validators=[bounds.validate_date_in_window])
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # The head of the engagement's audit chain: how many events, and the last one's hash.
    audit_length = models.PositiveIntegerField(default=0, editable=False)
    audit_head = models.CharField(max_length=64, blank=True, editable=False)
    # The catalogue version its tasks were brought up to (made from, or applied since).
    catalogue_version = models.ForeignKey(
        CatalogueVersion,
        verbose_name=_("catalogue version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "pk"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        permissions = [
            ("view_all_engagements", _("Can read every engagement (FastTrack Center lead)"))
        ]
        # The portfolio's first pages read their fifty rows from these, at any size: by
        # customer (and the engagement list, and every tie), the most and the least overdue
        # first, the least progressed first, per party, and one phase's (see
        # engagements/status/portfolio.py).
        indexes = [
            models.Index(fields=["customer", "id"], name="engagement_by_customer"),
            models.Index(
                fields=["status_first_due", "customer", "id"], name="engagement_by_first_due"
            ),
            # The least overdue first: latest due date first, none due before any, ties by
            # customer (one direction of an index cannot serve both with customer ascending).
            models.Index(
                fields=["-status_first_due", "customer", "id"], name="engagement_by_last_due"
            ),
            models.Index(
                fields=["status_customer_percent", "customer", "id"],
                name="engagement_by_customer_done",
            ),
            models.Index(
                fields=["status_microsoft_percent", "customer", "id"],
                name="engagement_by_microsoft_done",
            ),
            # An engagement list of one phase (or of the completed), by customer.
            models.Index(
                fields=["status_current_phase", "customer", "id"], name="engagement_by_phase"
            ),
            # What the sorts and filters decided against now (risk, next checkpoint, phase,
            # services) and the summary's counts must read for every engagement: a narrow copy
            # of those columns (a tenth of the row, whose matrix figures are wide), read by an
            # index-only scan. PostgreSQL only: other databases skip an index with columns
            # included.
            models.Index(
                fields=["customer", "id"],
                include=[
                    "aad_premium",
                    "intune",
                    "azure_rms",
                    "status_current_phase",
                    "status_waiting_on",
                    "status_customer_done",
                    "status_customer_total",
                    "status_microsoft_done",
                    "status_microsoft_total",
                    "status_customer_due",
                    "status_microsoft_due",
                    "status_first_due",
                    "status_checkpoints",
                    "status_checkpoint_behind",
                    "status_last_activity_at",
                    "status_quiet_since",
                ],
                name="engagement_status_scan",
            ),
        ]

    def __str__(self):
        return self.customer

    def services(self) -> list[str]:
        """The codes of the services in scope, in catalogue order."""
        return [code for code in Service.values if getattr(self, code)]

    def service_labels(self) -> list[str]:
        return [str(Service(code).label) for code in self.services()]

    def conditions(self) -> set[str]:
        """The catalogue conditions that hold for this engagement's options."""
        holding = {
            option
            for option in (Option.MDM, Option.MAM, Option.PC_MANAGEMENT)
            if getattr(self, option)
        }
        if self.federation:
            holding.add(Condition.FEDERATION)
        if self.multiple_forests:
            holding.add(Condition.MULTIPLE_FORESTS)
        else:
            holding.add(Condition.SINGLE_FOREST)
            if self.federation:
                holding.add(Condition.SINGLE_FOREST_FEDERATED)
        return {str(code) for code in holding}

    @property
    def catalogue_update_available(self) -> bool:
        """A newer catalogue version is published than the one the engagement is on (needs
        `with_catalogue_news`)."""
        number = getattr(self, "latest_version_number", None)
        on = self.catalogue_version.number if self.catalogue_version_id else 0
        return number is not None and number > on

    def clean(self):
        errors = {}
        if not self.services():
            errors[NON_FIELD_ERRORS] = _("Choose at least one service in scope.")
        if self.purchase_date and self.start_date and self.start_date < self.purchase_date:
            errors["start_date"] = _("The start date cannot be before the licence purchase date.")
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="one_membership_per_user")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.get_party_display()})"


DUE_SOON_DAYS = 7


def due_soon_until(today: datetime.date) -> datetime.date:
    """The last day "due soon" reaches: DUE_SOON_DAYS days ahead, today included."""
    return today + datetime.timedelta(days=DUE_SOON_DAYS)


class TaskQuerySet(models.QuerySet):
    """The one ORM spelling of open, overdue and due soon; Task.is_overdue is the same rule on
    one task and status_sql.py the same rule on the stored status (tests/test_overdue_rule.py).

    The task page keeps a wider set than open, and says so where it asks: it lists withdrawn
    tasks too (`with_withdrawn`)."""

    def in_force(self):
        """Tasks that count: not withdrawn (by a retired item or a scope change)."""
        return self.filter(withdrawn_at__isnull=True)

    def open(self, *, with_withdrawn=False):
        """Phase tasks in force not done: a general responsibility is a standing commitment,
        never open, done or due (even one that kept a due date from before a catalogue version
        moved it out of its phase)."""
        tasks = self if with_withdrawn else self.in_force()
        return tasks.filter(done=False, phase__isnull=False)

    def overdue(self, today: datetime.date, **wider):
        """Open tasks due before today: due today is not overdue."""
        return self.open(**wider).filter(due_date__lt=today)

    def due_soon(self, today: datetime.date, **wider):
        """Open tasks due from today to due_soon_until(today), both included."""
        return self.open(**wider).filter(due_date__range=(today, due_soon_until(today)))

    def overdue_or_due_soon(self, today: datetime.date):
        """What the dashboard and the digest list, in one query."""
        return self.overdue(today) | self.due_soon(today)


class Task(models.Model):
    """One catalogue item as it stood when the engagement was created (or a catalogue version
    was brought in), and its state."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="tasks")
    responsibility = models.ForeignKey(
        Responsibility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        help_text=_("The catalogue item this task was copied from."),
    )
    # The published item version whose texts the task holds.
    item_version = models.ForeignKey(
        ResponsibilityVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A later wording the task did not take because it was done under the one it holds: shown
    # beside it, never applied (a done task keeps what it was done under).
    newer_wording = models.ForeignKey(
        ResponsibilityVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, null=True, blank=True)
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    section = models.CharField(_("section"), max_length=30, blank=True)
    depth = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField()
    text_pt = models.TextField()
    text_en = models.TextField(blank=True)
    catalogue_note_pt = models.TextField(blank=True)
    catalogue_note_en = models.TextField(blank=True)
    # Copied from the catalogue item with the texts: the task needs a file or link before it
    # can be marked done, and the hint says what would do.
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    evidence_hint_pt = models.TextField(blank=True)
    evidence_hint_en = models.TextField(blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Ticked done by the other party's manager on this party's behalf, and not yet confirmed by
    # a manager of this party: the phase's gate cannot close over it once this party has one.
    awaiting_confirmation = models.BooleanField(_("awaiting confirmation"), default=False)
    due_date = models.DateField(
        _("due date"), null=True, blank=True, validators=[bounds.validate_date_in_window]
    )
    # PROTECT: the trail names owners, so an account that owned a task is deactivated instead.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tasks",
    )
    note = models.TextField(
        _("note"), blank=True, validators=bounds.multi_line(bounds.NOTE_MAX_LENGTH)
    )
    # Withdrawn by a catalogue version that retired its item, or a scope change that left it
    # out: kept with its history, out of every count, and back if the scope returns.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["engagement", "position"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["engagement", "position"])]

    def __str__(self):
        return self.text_pt[:80]

    @property
    def text(self) -> str:
        return in_active_language(self.text_pt, self.text_en)

    @property
    def catalogue_note(self) -> str:
        return in_active_language(self.catalogue_note_pt, self.catalogue_note_en)

    @property
    def evidence_hint(self) -> str:
        return in_active_language(self.evidence_hint_pt, self.evidence_hint_en)

    @property
    def is_standing(self) -> bool:
        """A general responsibility: a commitment for the whole engagement, acknowledged at the
        first phase's gate instead of ticked, and left out of progress and due dates."""
        return self.phase_id is None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def is_overdue(self, today=None) -> bool:
        """An open task in force whose due date has passed (in the portal's time zone): one
        task's TaskQuerySet.overdue."""
        today = today or timezone.localdate()
        return (
            not self.done
            and not self.is_standing
            and not self.is_withdrawn
            and self.due_date is not None
            and self.due_date < today
        )


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
    TASK_ADDED = "task_added", _("added a task from the catalogue")
    TASK_UPDATED = "task_updated", _("updated a task from the catalogue")
    TASK_WORDING_KEPT = "task_wording_kept", _("kept the wording a task was done under")
    TASK_WITHDRAWN = "task_withdrawn", _("withdrew a task")
    TASK_RESTORED = "task_restored", _("brought a withdrawn task back")
    CATALOGUE_APPLIED = "catalogue_applied", _("brought in a catalogue version")


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


class ShareLink(models.Model):
    """A read-only link to an engagement's dashboard for people without an account.

    Only the SHA-256 of its token is stored: the link itself is shown once, when it is made.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="share_links")
    label = models.CharField(
        _("label"), max_length=bounds.LABEL_MAX_LENGTH, validators=[bounds.validate_single_line]
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")

    def __str__(self):
        return self.label

    def is_usable(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def last_day(self):
        """The last day the link opens (it stops at the midnight that ends that day)."""
        return timezone.localdate(self.expires_at - datetime.timedelta(microseconds=1))


class PhaseGate(models.Model):
    """The gate at the end of one phase of an engagement: it closes when a manager of each party
    has signed it off over the phase's finished tasks. Made when it is first signed."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="gates")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("phase gate")
        verbose_name_plural = _("phase gates")
        constraints = [
            models.UniqueConstraint(fields=["engagement", "phase"], name="one_gate_per_phase")
        ]

    def __str__(self):
        return f"{self.engagement} · {self.phase}"


class GateSignOff(models.Model):
    """One party's sign-off of a phase gate. A reopened gate withdraws its sign-offs instead of
    deleting them, so the record of who signed over which state stays."""

    gate = models.ForeignKey(PhaseGate, on_delete=models.CASCADE, related_name="sign_offs")
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    # PROTECT: the trail names who signed, so their account is deactivated instead.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A manager of the other party signing because this party has no manager.
    on_behalf = models.BooleanField(_("on behalf"), default=False)
    comment = models.CharField(
        _("comment"),
        max_length=bounds.REASON_MAX_LENGTH,
        blank=True,
        validators=[bounds.validate_single_line],
    )
    # SHA-256 of the phase's state when it was signed (engagements/gates/state.py: phase_state).
    state_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("why it was withdrawn"), blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        constraints = [
            # Two managers of one party signing at once leave one sign-off, not two.
            models.UniqueConstraint(
                fields=["gate", "party"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_sign_off_per_party",
            )
        ]

    def __str__(self):
        return f"{self.gate} · {self.get_party_display()}"


class GeneralAcknowledgement(models.Model):
    """A party's acknowledgement of its general responsibilities, made once by one of its
    managers (or, while it has none, the other party's) before it signs off the first phase."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(_("on behalf"), default=False)
    # The language the texts were read in, and the SHA-256 of those texts (gates.py).
    language = models.CharField(_("language"), max_length=10)
    texts_hash = models.CharField(max_length=64)
    acknowledged_at = models.DateTimeField(_("acknowledged"), default=timezone.now)

    class Meta:
        verbose_name = _("acknowledgement of the general responsibilities")
        verbose_name_plural = _("acknowledgements of the general responsibilities")
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "party"], name="one_acknowledgement_per_party"
            )
        ]

    def __str__(self):
        return f"{self.engagement} · {self.get_party_display()}"


class CheckpointKind(models.TextChoices):
    KICKOFF = "kickoff", _("Kick-off")
    CHECKPOINT_CALL = "checkpoint_call", _("Checkpoint call")
    VERIFICATION = "verification", _("Joint verification")


class Checkpoint(models.Model):
    """A meeting of the engagement: the kick-off, a checkpoint call or the joint verification."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="checkpoints")
    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckpointKind.choices)
    title = models.CharField(
        _("title"), max_length=bounds.TITLE_MAX_LENGTH, validators=[bounds.validate_single_line]
    )
    starts_at = models.DateTimeField(_("starts"), validators=[bounds.validate_datetime_in_window])
    ends_at = models.DateTimeField(_("ends"), validators=[bounds.validate_datetime_in_window])
    location = models.CharField(
        _("place or meeting link"),
        max_length=bounds.LOCATION_MAX_LENGTH,
        blank=True,
        validators=[bounds.validate_single_line],
    )
    agenda = models.TextField(
        _("agenda"), blank=True, validators=bounds.multi_line(bounds.AGENDA_MAX_LENGTH)
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="+", blank=True
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, help_text=_("Raised at each change a calendar must pick up (RFC 5545).")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="checkpoint_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["engagement", "starts_at"])]

    def __str__(self):
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def can_still_change(self, now=None) -> bool:
        """A meeting can change until it starts or is cancelled; then it is part of the record."""
        return not self.is_cancelled and not self.has_started(now)


class NotificationKind(models.TextChoices):
    CHECKPOINT_REMINDER = "checkpoint_reminder", _("checkpoint reminder")
    CHECKPOINT_CANCELLED = "checkpoint_cancelled", _("cancellation notice")
    CHECKPOINT_UPDATED = "checkpoint_updated", _("checkpoint update")
    TASK_DUE_TOMORROW = "task_due_tomorrow", _("task due tomorrow")
    TASK_OVERDUE = "task_overdue", _("task overdue")
    DIGEST = "digest", _("daily digest")
    INVITATION = "invitation", _("invitation")
    TASK_ASSIGNED = "task_assigned", _("task assigned")
    GATE_SIGNED = "gate_signed", _("phase signed off")
    GATE_REOPENED = "gate_reopened", _("phase reopened")
    GATE_READY = "gate_ready", _("phase ready for sign-off")
    CHECKPOINT_REPORT = "checkpoint_report", _("status report after a checkpoint")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    DROPPED = "dropped", _("dropped: its moment passed")
    SKIPPED = "skipped", _("skipped: nothing to send")
    WITHDRAWN = "withdrawn", _("withdrawn: rescheduled or cancelled")


class Notification(models.Model):
    """One email to one person, sent at most once: `key` is unique and a send claims the row.

    Keys: `checkpoint-reminder:<checkpoint>:<start timestamp>:<minutes before>:<user>`,
    `checkpoint-cancelled:<checkpoint>:<user>`, `checkpoint-updated:<checkpoint>:<sequence>:<user>`,
    `task-due-tomorrow:<task>:<due date>:<user>`, `task-overdue:<task>:<due date>:<user>`,
    `digest:<user>:<local date>`,
    `invitation:<membership>`, `task-assigned:<task>:<event>`,
    `gate-signed:<event>:<user>`, `gate-reopened:<event>:<user>`,
    `checkpoint-report:<checkpoint>:<user>`.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    checkpoint = models.ForeignKey(
        Checkpoint,
        verbose_name=_("checkpoint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The audit event a gate email tells of: it keeps what was done, by whom, with what words.
    event = models.ForeignKey(
        ActivityEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The stored report a checkpoint-report email attaches: the bytes the trail vouches for.
    report = models.ForeignKey(
        "CheckpointReport",
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    minutes_before = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    # A reminder's checkpoint start when it was owed: a send checks the meeting still starts
    # then, so a reminder caught mid-send by a reschedule is never sent for the old time.
    owed_for = models.DateTimeField(_("owed for the start at"), null=True, blank=True)
    # An update's checkpoint SEQUENCE when it was owed: a send checks it is still the current
    # one, so an update a newer change superseded is never sent.
    sequence = models.PositiveIntegerField(_("calendar sequence"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When dispatch last put it on the queue; it is not queued again within
    # NOTIFICATION_REQUEUE_SECONDS.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # Which claim the row is in: a sender whose lease ran out (and was retaken) no longer
    # matches, so it can neither send nor finish another sender's claim.
    claim_token = models.CharField(_("claim"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # Digests: who had one in the last 24 hours.
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self):
        return self.key

    def offset_label(self) -> str:
        """How long before the meeting a checkpoint reminder goes out, e.g. "24 hours before"."""
        if self.minutes_before is None:
            return ""
        hours, minutes = divmod(self.minutes_before, 60)
        if minutes:
            return ngettext(
                "%(count)d minute before", "%(count)d minutes before", self.minutes_before
            ) % {"count": self.minutes_before}
        return ngettext("%(count)d hour before", "%(count)d hours before", hours) % {"count": hours}


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")


def evidence_storage():
    """The store named "evidence" in STORAGES: a private folder by default, never served at a
    public address (downloads go through a view that asks access)."""
    from django.core.files.storage import storages

    return storages["evidence"]


def evidence_path(evidence, filename: str) -> str:
    """Files are stored under a random name per engagement: the name a person gave them is kept
    apart (original_name), so nothing they type reaches the store's paths."""
    return f"engagement-{evidence.task.engagement_id}/{uuid.uuid4().hex}"


class TaskEvidence(models.Model):
    """A file or a link showing a task was done. Never changed or deleted by a member: a new
    version `replaces` the one before, which stays readable in the task's history."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=evidence_path, max_length=200, blank=True
    )
    url = models.URLField(
        _("link"),
        max_length=bounds.URL_MAX_LENGTH,
        blank=True,
        validators=[bounds.validate_https_url],
    )
    caption = models.CharField(
        _("caption"),
        max_length=bounds.CAPTION_MAX_LENGTH,
        blank=True,
        validators=[bounds.validate_single_line],
    )
    original_name = models.CharField(_("file name"), max_length=bounds.FILE_NAME_MAX_LENGTH)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("added"), default=timezone.now)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text=_("The earlier version this one replaces."),
    )

    class Meta:
        ordering = ["task", "uploaded_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.caption or self.original_name or self.url


class TaskComment(models.Model):
    """A member's remark in a task's thread; plain text, never edited."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), validators=bounds.multi_line(bounds.COMMENT_MAX_LENGTH))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.body[:60]


def report_path(report, filename: str) -> str:
    """Reports are stored like evidence: a random name under the engagement's folder."""
    return f"engagement-{report.checkpoint.engagement_id}/reports/{uuid.uuid4().hex}.pdf"


class CheckpointReport(models.Model):
    """The status report sent to a checkpoint's attendees once it ended: one file per language
    and time zone they read in, kept in the private store, its SHA-256 in the audit trail, so
    the record shows what each of them was told."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="reports"
    )
    language = models.CharField(_("language"), max_length=10)
    time_zone = models.CharField(_("time zone"), max_length=64)
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=report_path, max_length=200
    )
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    # The moment whose status the report tells.
    as_of = models.DateTimeField(_("as of"))

    class Meta:
        ordering = ["checkpoint", "language", "time_zone"]
        verbose_name = _("checkpoint report")
        verbose_name_plural = _("checkpoint reports")
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "language", "time_zone"], name="one_report_per_reading"
            )
        ]

    def __str__(self):
        return f"{self.checkpoint} · {self.language} · {self.time_zone}"


class Webhook(models.Model):
    """An HTTPS address the portal POSTs an engagement's events to, signed with the secret.

    Registered by staff or a manager (engagements/access.py) for one engagement, or for every
    engagement its owner sees (`engagement` empty). The secret is kept as typed: signing needs
    it, and it is never shown again."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(
        _("address"), max_length=bounds.URL_MAX_LENGTH, validators=[bounds.validate_https_url]
    )
    secret = models.CharField(_("secret"), max_length=bounds.WEBHOOK_SECRET_MAX_LENGTH)
    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event for one webhook, delivered at most once: `key` is unique and a send claims
    the row (as notifications do). The body is fixed when the event happens, so every attempt
    sends, and signs, the same bytes. Key: `webhook:<webhook>:<event>`."""

    key = models.CharField(max_length=100, unique=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(ActivityEvent, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return self.key
