"""A phase's gate: the sign-offs of both parties' managers, and each party's acknowledgement of
its general responsibilities."""

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
)


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


def phase_is_signed(task) -> bool:
    """Whether the task's phase has a sign-off in force, which locks its tasks as they are."""
    return (
        task.phase_id is not None
        and GateSignOff.objects.filter(
            gate__engagement_id=task.engagement_id,
            gate__phase_id=task.phase_id,
            withdrawn_at__isnull=True,
        ).exists()
    )
