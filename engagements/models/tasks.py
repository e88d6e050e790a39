"""Tasks (a snapshot of the catalogue's items), their evidence and comments, and the one spelling
of open, overdue and due soon."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from fasttrack import bounds
from responsibilities.models import (
    Party,
    Phase,
    Responsibility,
    ResponsibilityVersion,
    in_active_language,
)

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
    # A task a manager added by hand (no catalogue item): the language its words were typed in.
    # Both text fields hold those words, so every reader sees them as typed, marked with this
    # language; empty for tasks copied from the catalogue.
    typed_language = models.CharField(max_length=10, blank=True)
    # Withdrawn by a catalogue version that retired its item, or a scope change that left it
    # out: kept with its history, out of every count, and back if the scope returns.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["engagement", "position"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["engagement", "position"]),
            # A person's open tasks by due date (Task.objects.open()): the calendar feed reads
            # the soonest up to its limit, in this order.
            models.Index(
                fields=["owner", "due_date", "position", "id"],
                condition=Q(done=False, phase__isnull=False, withdrawn_at__isnull=True),
                name="open_task_by_owner_due",
            ),
        ]

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
    def is_one_off(self) -> bool:
        """Added by a manager, not copied from the catalogue: catalogue applies never touch it."""
        return self.responsibility_id is None

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
    # Where the body names members ([[start, length], ...]), so the thread highlights them
    # with no query of its own; who they are is in CommentMention and the comment's event.
    mention_spans = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.body[:60]


class CommentMention(models.Model):
    """A member a comment names with `@`: one row per person and comment, so "comments that
    mention me" is one indexed read."""

    comment = models.ForeignKey(TaskComment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    # The name the person had when mentioned, as the comment's event keeps it.
    name = models.CharField(_("name"), max_length=301)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="comment_mention_once")
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return self.name
