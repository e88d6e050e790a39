"""The customer's tenant as a witness: the connection (admin consent), the runs that read it
through Microsoft Graph, what each check observed, and the drifts from what it once confirmed.

Nothing here holds a token, a secret or a person's data: the tenant's id and name, counts,
ids and policy names only (tenants/facts.py reduces Graph's answers before they are kept).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.models import Engagement, Task


class Tier(models.TextChoices):
    """One multi-tenant app registration per tier: a customer consents to the fewest read
    permissions its scope needs (tenants/permissions.py lists them)."""

    IDENTITY = "identity", _("Identity")
    INTUNE = "intune", _("Identity and Intune")
    SENSITIVE = "sensitive", _("Identity, Intune, users and sign-in logs")


class ConnectionState(models.TextChoices):
    PENDING = "pending", _("waiting for the administrator's consent")
    CONNECTED = "connected", _("connected")
    REVOKED = "revoked", _("consent revoked")
    DISCONNECTED = "disconnected", _("disconnected")


class TenantConnection(models.Model):
    """An engagement's link to its customer's tenant. One per engagement: connecting again
    reuses it; the trail keeps every change of it."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="tenant_connection"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ConnectionState.choices, default=ConnectionState.PENDING
    )
    tier = models.CharField(_("permissions"), max_length=20, choices=Tier.choices)
    tenant_id = models.CharField(_("tenant id"), max_length=36, blank=True)
    tenant_name = models.CharField(_("tenant"), max_length=256, blank=True)
    consented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("connected by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    consented_at = models.DateTimeField(_("connected"), null=True)
    revoked_reason = models.CharField(_("why it was revoked"), max_length=500, blank=True)
    # Graph asked the portal to wait (429/503 with Retry-After): no request to this tenant
    # before then, from any worker.
    not_before = models.DateTimeField(null=True, blank=True)
    # When someone last asked for a check by hand: the button waits out a cooldown.
    check_requested_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("tenant connection")
        verbose_name_plural = _("tenant connections")
        indexes = [models.Index(fields=["state", "last_checked_at"])]

    def __str__(self):
        return f"{self.engagement} → {self.tenant_name or self.tenant_id or '?'}"


class Result(models.TextChoices):
    CONFIRMS = "confirms", _("Tenant confirms")
    DOES_NOT_CONFIRM = "does_not_confirm", _("Tenant does not confirm")
    # The tenant cannot answer this check: a service it has no licence for, a report it
    # needs a premium licence to give, a permission outside the consented tier.
    CANNOT_TELL = "cannot_tell", _("Tenant cannot tell")


class CheckRun(models.Model):
    """One reading of a tenant: every check the connection's tier allows, answered together
    (a run is kept whole or not at all, so its observations agree with each other)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    tenant_id = models.CharField(max_length=36)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    finished_at = models.DateTimeField(default=timezone.now, db_index=True)
    request_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        indexes = [models.Index(fields=["engagement", "-finished_at"])]

    def __str__(self):
        return f"{self.tenant_id} ({self.finished_at:%Y-%m-%d %H:%M})"


class Observation(models.Model):
    """What one check saw in one run: when, what was asked (and Graph's request ids), the facts
    reduced from the answers, the predicate's result, and the SHA-256 of all of it as canonical
    JSON, which the run's event in the trail carries (tenants/verify.py compares them)."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="observations")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    check_key = models.CharField(max_length=80)
    check_version = models.PositiveIntegerField()
    observed_at = models.DateTimeField(_("observed"))
    requests = models.JSONField(default=list)
    facts = models.JSONField(default=dict)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        indexes = [models.Index(fields=["engagement", "check_key", "-observed_at"])]

    def __str__(self):
        return f"{self.check_key}: {self.result} ({self.observed_at:%Y-%m-%d %H:%M})"


class Drift(models.Model):
    """A condition the tenant confirmed on a done task that stopped holding. The task stays
    done (people decide, the tenant testifies); the engagement shows the drift until a later
    run confirms it again."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    check_key = models.CharField(max_length=80)
    confirmed = models.ForeignKey(Observation, on_delete=models.PROTECT, related_name="+")
    seen = models.ForeignKey(Observation, on_delete=models.PROTECT, related_name="+")
    ended = models.ForeignKey(
        Observation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # One open drift per task and check: a later run that still does not confirm is
            # the same drift, so the managers hear of it once.
            models.UniqueConstraint(
                fields=["task", "check_key"],
                condition=models.Q(ended__isnull=True),
                name="one_open_drift_per_task_check",
            )
        ]

    def __str__(self):
        return f"{self.check_key} on task {self.task_id}"
