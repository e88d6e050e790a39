"""Signing off a phase's gate and reopening it.

A phase's gate asks for a sign-off from a manager of each party once every task of the phase is
done; with both it is closed, and its tasks cannot be marked not done until a manager reopens
it, with a reason, which withdraws the sign-offs (kept, with when and why). Each sign-off keeps
the SHA-256 of the phase's state it vouched for (engagements/gates/state.py).

The general responsibilities are never ticked: each party acknowledges its own once, and the
first phase's gate waits for that before the party signs it off.

Locks: the engagement row first (as every audited write takes it), then the gate row, so two
managers of one party signing at once are serialised and the second finds the first's
sign-off; the partial unique constraint on active sign-offs backs that up in the database.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from engagements.gates.requirements import gate_requirements
from engagements.gates.state import (
    gate_managers,
    general_tasks,
    general_texts_hash,
    phase_state_hash,
)
from engagements.journal import engagement_changed, event_record
from engagements.models import (
    Engagement,
    EventKind,
    GateSignOff,
    GeneralAcknowledgement,
    Membership,
    PhaseGate,
    Role,
)
from fasttrack import bounds
from responsibilities.models import PARTIES, Party, Phase


def _manager_party(engagement: Engagement, user) -> str:
    membership = Membership.objects.filter(engagement=engagement, user=user).first()
    if membership is None or membership.role != Role.MANAGER:
        raise ValidationError(_("Only a manager of the engagement may do this."))
    return membership.party


def _locked_gate(engagement: Engagement, phase: Phase) -> PhaseGate:
    # The engagement lock is held, so get_or_create cannot race another request here.
    Engagement.objects.select_for_update().only("pk").get(pk=engagement.pk)
    gate, _created = PhaseGate.objects.get_or_create(engagement=engagement, phase=phase)
    return PhaseGate.objects.select_for_update().get(pk=gate.pk)


def _party_to_act_for(engagement: Engagement, user, party: str | None) -> tuple[str, str]:
    """The party a manager acts for (their own unless given) and their own party; the other
    party's only while it has no manager."""
    own_party = _manager_party(engagement, user)
    party = party or own_party
    if party != own_party and gate_managers(engagement)[party]:
        raise ValidationError(
            _("%(party)s has a manager on this engagement: only they may sign for it.")
            % {"party": Party(party).label}
        )
    return party, own_party


def active_sign_offs(gate: PhaseGate):
    return gate.sign_offs.filter(withdrawn_at__isnull=True)


@transaction.atomic
def gate_sign(
    *,
    engagement: Engagement,
    phase: Phase,
    user: AbstractBaseUser,
    comment: str = "",
    party: str | None = None,
) -> GateSignOff:
    """Sign the phase off for `party` (the user's own by default; the other party's only while
    it has no manager, marked on its behalf). The gate closes when both parties have signed."""
    comment = comment.strip()
    bounds.validate_fields({"comment": (comment, bounds.single_line(bounds.REASON_MAX_LENGTH))})
    gate = _locked_gate(engagement, phase)
    party, own_party = _party_to_act_for(engagement, user, party)
    unmet = gate_requirements(engagement, phase, party)
    if unmet:
        raise ValidationError(unmet[0])
    sign_off = GateSignOff.objects.create(
        gate=gate,
        party=party,
        signed_by=user,
        on_behalf=party != own_party,
        comment=comment,
        state_hash=phase_state_hash(engagement, phase),
        signed_at=timezone.now(),
    )
    closed = set(active_sign_offs(gate).values_list("party", flat=True)) == set(PARTIES)
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        party=own_party,
        kind=EventKind.GATE_SIGNED,
        on_behalf_of=party if sign_off.on_behalf else "",
        changes={
            "phase": phase.code,
            "party": party,
            "sign_off": sign_off.pk,
            "comment": comment,
            "state_hash": sign_off.state_hash,
            "closed": closed,
        },
    )
    engagement_changed(engagement_id=engagement.pk)
    return sign_off


@transaction.atomic
def gate_reopen(
    *, engagement: Engagement, phase: Phase, user: AbstractBaseUser, reason: str
) -> list[GateSignOff]:
    """Withdraw the phase's sign-offs, giving the reason, so its tasks can change again; the
    other party's managers are told."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the phase is reopened.")})
    bounds.validate_fields({"reason": (reason, bounds.single_line(bounds.REASON_MAX_LENGTH))})
    gate = _locked_gate(engagement, phase)
    own_party = _manager_party(engagement, user)
    withdrawn = list(active_sign_offs(gate).order_by("party"))
    if not withdrawn:
        raise ValidationError(
            _("No one has signed off %(phase)s: there is nothing to reopen.")
            % {"phase": phase.name}
        )
    now = timezone.now()
    for sign_off in withdrawn:
        sign_off.withdrawn_at, sign_off.withdrawn_reason = now, reason
        sign_off.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        party=own_party,
        kind=EventKind.GATE_REOPENED,
        reason=reason,
        changes={
            "phase": phase.code,
            "withdrawn": [sign_off.party for sign_off in withdrawn],
            "sign_offs": [sign_off.pk for sign_off in withdrawn],
        },
    )
    engagement_changed(engagement_id=engagement.pk)
    return withdrawn


@transaction.atomic
def general_acknowledge(
    *, engagement: Engagement, user: AbstractBaseUser, party: str | None = None
) -> GeneralAcknowledgement:
    """Record that the party (the manager's own by default) takes on its general
    responsibilities, as read in the manager's language; a party acknowledges once."""
    Engagement.objects.select_for_update().only("pk").get(pk=engagement.pk)
    party, own_party = _party_to_act_for(engagement, user, party)
    if GeneralAcknowledgement.objects.filter(engagement=engagement, party=party).exists():
        raise ValidationError(
            _("%(party)s has already acknowledged its general responsibilities.")
            % {"party": Party(party).label}
        )
    task_ids = list(general_tasks(engagement, party).values_list("pk", flat=True))
    if not task_ids:
        raise ValidationError(
            _("%(party)s has no general responsibilities in this engagement.")
            % {"party": Party(party).label}
        )
    language = translation.get_language() or "pt-br"
    acknowledgement = GeneralAcknowledgement.objects.create(
        engagement=engagement,
        party=party,
        acknowledged_by=user,
        on_behalf=party != own_party,
        language=language,
        texts_hash=general_texts_hash(engagement, party, language),
        acknowledged_at=timezone.now(),
    )
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        party=own_party,
        kind=EventKind.GENERAL_ACKNOWLEDGED,
        on_behalf_of=party if acknowledgement.on_behalf else "",
        changes={
            "party": party,
            "acknowledgement": acknowledgement.pk,
            "language": language,
            "tasks": task_ids,
            "texts_hash": acknowledgement.texts_hash,
        },
    )
    engagement_changed(engagement_id=engagement.pk)
    return acknowledgement
