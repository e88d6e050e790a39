"""A catalogue version brought into many engagements as a job: the admin starts it, a Celery
worker applies it one engagement at a time (each in a transaction of its own that also writes
the engagement's outcome, so a worker killed between two never applies one twice), and the
admin reads the progress per engagement whenever they come back to it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models.engagements import Engagement
from responsibilities.models import CatalogueVersion


class CatalogueApplyJob(models.Model):
    version = models.ForeignKey(
        CatalogueVersion, verbose_name=_("catalogue version"), on_delete=models.PROTECT
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # True until every engagement has its outcome; at most one job runs at a time (the
    # constraint below refuses a second start, even from two admins at once).
    running = models.BooleanField(default=True)
    # The worker running it holds it until then (claimed by a conditional update); a worker
    # killed mid-job lets it lapse, and the beat hands the job to another.
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("catalogue apply")
        verbose_name_plural = _("catalogue applies")
        constraints = [
            models.UniqueConstraint(
                fields=["running"], condition=Q(running=True), name="one_catalogue_apply_running"
            )
        ]

    def __str__(self):
        return str(_("Catalogue version %(number)d")) % {"number": self.version.number}


class ApplyOutcome(models.TextChoices):
    WAITING = "", _("Waiting")
    DONE = "done", _("Applied")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class CatalogueApplyItem(models.Model):
    """One engagement of a job, with its outcome once applied (or refused, or failed)."""

    job = models.ForeignKey(CatalogueApplyJob, on_delete=models.CASCADE, related_name="items")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=10, choices=ApplyOutcome.choices, blank=True)
    reason = models.TextField(blank=True)
    tasks_changed = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "engagement"], name="one_item_per_engagement")
        ]
        # The next engagement to apply: the job's first without an outcome.
        indexes = [models.Index(fields=["job", "outcome", "id"], name="apply_item_next")]

    def __str__(self):
        return str(self.engagement)
