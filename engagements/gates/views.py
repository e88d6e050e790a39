"""Signing off and reopening a phase's gate, and acknowledging the general responsibilities
before the first one: plain form posts that redirect to the phase."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagements.access import get_engagement_for_user
from engagements.gates import services as gate_services
from engagements.gates.forms import AcknowledgeForm, GateReopenForm, GateSignForm
from engagements.gates.requirements import first_phase
from engagements.views.common import first_error
from responsibilities.models import Party, Phase, party_for


def _back(pk, phase):
    return redirect(f"{reverse('engagement-detail', args=[pk])}#phase-{phase.code}")


def _signing_party(request, access, form):
    """The party a sign-off or acknowledgement form names, once the user may sign for it; None,
    with the form's first error shown, when the form is not valid."""
    if not form.is_valid():
        messages.error(request, first_error(form))
        return None
    party = form.cleaned_data["party"]
    access.require(party in access.signable_parties)
    return party


def _accepted(request, service, **arguments) -> bool:
    """Call a gate service; when it refuses, show why and say it did not accept."""
    try:
        service(**arguments)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    return True


@login_required
@require_POST
def gate_sign(request, pk, phase_code):
    access = get_engagement_for_user(request.user, pk, write=True)
    phase = get_object_or_404(Phase, code=phase_code)
    form = GateSignForm(request.POST)
    party = _signing_party(request, access, form)
    if party is not None and _accepted(
        request,
        gate_services.gate_sign,
        engagement=access.engagement,
        phase=phase,
        user=request.user,
        comment=form.cleaned_data["comment"],
        party=party,
    ):
        signed = {"phase": phase.name, "for_party": party_for(party)}
        messages.success(request, _("%(phase)s signed off %(for_party)s.") % signed)
    return _back(pk, phase)


@login_required
@require_POST
def gate_reopen(request, pk, phase_code):
    access = get_engagement_for_user(request.user, pk, write=True)
    access.require(access.can_reopen_gate)
    phase = get_object_or_404(Phase, code=phase_code)
    form = GateReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    elif _accepted(
        request,
        gate_services.gate_reopen,
        engagement=access.engagement,
        phase=phase,
        user=request.user,
        reason=form.cleaned_data["reason"],
    ):
        messages.success(
            request, _("%(phase)s reopened: its sign-offs are withdrawn.") % {"phase": phase.name}
        )
    return _back(pk, phase)


@login_required
@require_POST
def general_acknowledge(request, pk):
    access = get_engagement_for_user(request.user, pk, write=True)
    form = AcknowledgeForm(request.POST)
    phase = first_phase()
    party = _signing_party(request, access, form)
    if party is not None and _accepted(
        request,
        gate_services.general_acknowledge,
        engagement=access.engagement,
        user=request.user,
        party=party,
    ):
        messages.success(
            request,
            _("%(party)s's general responsibilities are acknowledged.")
            % {"party": Party(party).label},
        )
    return _back(pk, phase)
