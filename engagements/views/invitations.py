"""An invitation's page, and accepting it with a Microsoft work account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from accounts import entra
from accounts.models import SignInOutcome
from accounts.sign_in import sign_in_record
from engagements.services.invitations import (
    invitation_accept_with_microsoft,
    invitation_membership,
)


def _expired(request):
    return render(request, "engagements/invitation.html", {"expired": True}, status=404)


@require_GET
def invitation(request, token):
    membership = invitation_membership(token)
    if membership is None:
        return _expired(request)
    accept = reverse("invitation-accept", args=[token])
    return render(
        request,
        "engagements/invitation.html",
        {
            "membership": membership,
            "entra_enabled": entra.enabled(),
            "password_login": settings.PASSWORD_LOGIN,
            "sso_url": f"{reverse('sso-login')}?{urlencode({'next': accept, 'binding': '1'})}",
        },
    )


@require_GET
def invitation_accept(request, token):
    """Where Microsoft's sign-in comes back to: the checked identity waits in the session."""
    membership = invitation_membership(token)
    if membership is None:
        return _expired(request)
    identity = entra.pending_take(request.session, timezone.now())
    if identity is None:
        return redirect("invitation", token)
    try:
        invitation_accept_with_microsoft(membership=membership, identity=identity)
    except ValidationError as refusal:
        reason = " ".join(refusal.messages)
        sign_in_record(SignInOutcome.REFUSED, identity=identity, reason=reason)
        messages.error(request, reason)
        return redirect("invitation", token)
    sign_in_record(SignInOutcome.BOUND, identity=identity, user=membership.user)
    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("engagement-detail", membership.engagement_id)
