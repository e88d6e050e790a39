from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from . import services
from .forms import AccessTokenForm, ProfileForm
from .selectors import user_access_tokens, user_calendar_feed, user_profile

NEW_FEED_SESSION_KEY = "new_calendar_feed"
NEW_TOKEN_SESSION_KEY = "new_access_token"


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=user_profile(request.user))
    if request.method == "POST" and form.is_valid():
        profile = services.profile_update(user=request.user, **form.cleaned_data)
        # Said in the language just chosen: the page that follows is in it too.
        with translation.override(profile.language):
            messages.success(request, _("Preferences saved."))
        return redirect("profile")
    return _profile_page(request, form)


def _profile_page(request, form):
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "calendar_feed": user_calendar_feed(request.user),
            "new_feed_url": request.session.pop(NEW_FEED_SESSION_KEY, None),
        },
    )


def integrations_context(request, token_form=None) -> dict:
    """The Integrations page's API tokens; its webhooks draw themselves (webhook_section)."""
    return {
        "access_tokens": user_access_tokens(request.user),
        "token_form": token_form or AccessTokenForm(),
        "now": timezone.now(),
        # The database keeps only the token's hash; the session holds the token just until
        # the next page shows it, beside a copy button.
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
    }


@login_required
def integrations(request):
    """One place for what programs use: API tokens, and the webhooks of those who manage."""
    return render(request, "accounts/integrations.html", integrations_context(request))


@login_required
@require_POST
def calendar_feed_renew(request):
    token = services.calendar_feed_renew(user=request.user)
    # Only the token's hash is stored; the session holds the address just until the profile
    # page shows it, once.
    request.session[NEW_FEED_SESSION_KEY] = request.build_absolute_uri(
        reverse("calendar-feed", args=[token])
    )
    messages.success(request, _("New calendar address made. Copy it now: it is not shown again."))
    return redirect("profile")


@login_required
@require_POST
def calendar_feed_revoke(request):
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, _("Calendar feed turned off: its address opens nothing any more."))
    return redirect("profile")


@login_required
@require_POST
def access_token_create(request):
    token_form = AccessTokenForm(request.POST)
    if token_form.is_valid():
        try:
            _access_token, token = services.access_token_create(
                user=request.user, **token_form.cleaned_data
            )
        except ValidationError as error:
            token_form.add_error(None, error)
        else:
            messages.success(request, _("Token made. Copy it now: it is not shown again."))
            request.session[NEW_TOKEN_SESSION_KEY] = token
            return redirect("integrations")
    return render(request, "accounts/integrations.html", integrations_context(request, token_form))


@login_required
@require_POST
def access_token_revoke(request, pk):
    # Only the owner's own tokens are found: anyone else's is a 404, like an unknown one.
    access_token = get_object_or_404(user_access_tokens(request.user), pk=pk)
    services.access_token_revoke(access_token=access_token)
    messages.success(request, _("Token revoked: it opens nothing any more."))
    return redirect("integrations")


@require_POST
def language_switch(request):
    """Switch the page language; a signed-in user's choice is kept on their profile, so their
    emails follow it too. Anyone else keeps it in a cookie (Django's set_language)."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.profile_set_language(user=request.user, language=language)
    return response
