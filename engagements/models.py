"""Engagements: one customer's onboarding, its tasks (a snapshot of the catalogue) and its log."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from responsibilities.models import (
    Condition,
    Party,
    Phase,
    Responsibility,
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
    def visible_to(self, user):
        """Engagements the user is a member of; staff see every engagement."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(Exists(Membership.objects.filter(engagement=OuterRef("pk"), user=user)))

    def with_task_counts(self):
        """Annotate `tasks_done` and `tasks_total`."""
        return self.annotate(
            tasks_total=Count("tasks"),
            tasks_done=Count("tasks", filter=Q(tasks__done=True)),
        )


class Engagement(models.Model):
    customer = models.CharField(_("customer organisation"), max_length=200)
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
            )
        ],
    )
    purchase_date = models.DateField(_("licence purchase date"))
    start_date = models.DateField(_("start date"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="engagements"
    )

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "pk"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")

    def __str__(self):
        return self.customer

    def services(self) -> list[str]:
        """The codes of the services in scope, in catalogue order."""
        return [code for code in Service.values if getattr(self, code)]

    def service_labels(self) -> list[str]:
        return [Service(code).label for code in self.services()]

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


class TaskQuerySet(models.QuerySet):
    def progress_counts(self):
        """Done and applicable counts per (phase, party), in one grouped query."""
        return (
            self.values("phase_id", "party")
            .annotate(done=Count("pk", filter=Q(done=True)), total=Count("pk"))
            .order_by()
        )


class Task(models.Model):
    """One catalogue item as it stood when the engagement was created, and its state."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="tasks")
    responsibility = models.ForeignKey(
        Responsibility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        help_text=_("The catalogue item this task was copied from."),
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
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

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

    def is_overdue(self, today=None) -> bool:
        """An open task whose due date has passed (in the portal's time zone)."""
        today = today or timezone.localdate()
        return not self.done and self.due_date is not None and self.due_date < today


class EventKind(models.TextChoices):
    ENGAGEMENT_CREATED = "engagement_created", _("created the engagement")
    TASK_DONE = "task_done", _("marked done")
    TASK_REOPENED = "task_reopened", _("marked not done")
    NOTE_CHANGED = "note_changed", _("changed the note")
    DUE_DATE_CHANGED = "due_date_changed", _("changed the due date")


class ActivityEvent(models.Model):
    """An append-only record of one change to an engagement: who, what, when, from and to."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        indexes = [models.Index(fields=["engagement", "-created_at"])]

    def __str__(self):
        return f"{self.actor} {self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"
