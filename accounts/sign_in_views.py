"""Signing in with Microsoft, the password form beside it, and signing out."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import entra
from .models import SignInOutcome
from .sign_in import bound_user, sign_in_record

FLOW_SESSION_KEY = "entra_flow"
NEXT_SESSION_KEY = "entra_next"
BINDING_SESSION_KEY = "entra_binding"


class PasswordLoginForm(AuthenticationForm):
    """With PASSWORD_LOGIN off, only staff (break-glass accounts) sign in with a password."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not settings.PASSWORD_LOGIN and not user.is_staff:
            raise ValidationError(
                _("This portal signs you in with your Microsoft work account."),
                code="password_login_off",
            )


class LoginView(auth_views.LoginView):
    authentication_form = PasswordLoginForm

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "entra_enabled": entra.enabled(),
            "password_login": settings.PASSWORD_LOGIN,
        }


def _next(request) -> str:
    wanted = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


@require_GET
def sso_login(request):
    """Send the person to Microsoft; `binding=1` says the next page accepts an invitation."""
    if not entra.enabled():
        raise Http404
    flow = entra.flow_start(request.build_absolute_uri(reverse("sso-callback")))
    request.session[FLOW_SESSION_KEY] = flow
    request.session[NEXT_SESSION_KEY] = _next(request)
    request.session[BINDING_SESSION_KEY] = request.GET.get("binding") == "1"
    return redirect(flow["auth_uri"])


def _refused(request, reason: str, identity=None, user=None, status=403):
    sign_in_record(SignInOutcome.REFUSED, identity=identity, user=user, reason=reason)
    return render(request, "registration/sso_refused.html", {"reason": reason}, status=status)


@require_GET
def sso_callback(request):
    if not entra.enabled():
        raise Http404
    flow = request.session.pop(FLOW_SESSION_KEY, None)
    next_url = request.session.pop(NEXT_SESSION_KEY, reverse(settings.LOGIN_REDIRECT_URL))
    binding = request.session.pop(BINDING_SESSION_KEY, False)
    if flow is None:
        return _refused(request, _("This sign-in has expired or was already used: start again."))
    try:
        identity = entra.flow_finish(flow, request.GET.dict())
    except entra.SignInRefused as refusal:
        return _refused(
            request, _("Microsoft's answer could not be trusted: %(why)s") % {"why": refusal}
        )
    user = bound_user(identity)
    if user is None:
        if binding:
            entra.pending_keep(request.session, identity, timezone.now())
            return redirect(next_url)
        return _refused(
            request,
            _(
                "Your Microsoft account %(email)s (tenant %(tenant)s) is not linked to a portal "
                "account. Open the invitation you received by email and accept it with Microsoft."
            )
            % {"email": identity.email, "tenant": identity.tenant_id},
            identity=identity,
        )
    if not user.is_active:
        return _refused(request, _("This account is disabled."), identity=identity, user=user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    sign_in_record(SignInOutcome.SIGNED_IN, identity=identity, user=user)
    return redirect(next_url)


def signed_out(request):
    """After the portal's sign-out: Entra's own, which ends the Microsoft session too."""
    entra_sign_out = (
        entra.sign_out_url(request.build_absolute_uri(reverse("login"))) if entra.enabled() else ""
    )
    return render(request, "registration/signed_out.html", {"entra_sign_out": entra_sign_out})
