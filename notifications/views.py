"""A person's notification preferences, and the one-click unsubscribe address in the emails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.forms import PreferencesForm
from notifications.models import Delivery
from notifications.preferences import (
    RULES,
    notification_preferences_set,
    notification_unsubscribe,
    preferences_of,
)
from notifications.unsubscribe import unsubscribe_target


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    current = preferences_of(request.user)
    form = PreferencesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notification_preferences_set(
                user=request.user,
                choices={kind: value for kind, value in form.cleaned_data.items() if value},
            )
        except ValidationError as error:
            for kind, refusals in error.message_dict.items():
                form.add_error(kind if kind in form.fields else None, refusals)
        else:
            messages.success(request, _("Notification preferences saved."))
            return redirect("notification-preferences")
    rows = [
        {
            "rule": rule,
            "options": [(value, Delivery(value).label) for value in rule.offered],
            "current": form.data.get(kind, current[kind]) if form.is_bound else current[kind],
            "errors": form.errors.get(kind, []),
        }
        for kind, rule in RULES.items()
    ]
    return render(request, "notifications/preferences.html", {"form": form, "rows": rows})


# A mail client's one-click POST (RFC 8058) carries no CSRF token and no session: the signed
# address is what proves the person asked. A GET only asks, because mail scanners fetch links.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    target = unsubscribe_target(token)
    if target is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    user, kinds = target
    if request.method == "POST":
        notification_unsubscribe(user=user, kinds=kinds)
    return render(
        request,
        "notifications/unsubscribe.html",
        {
            "kinds": [RULES[kind].label for kind in kinds],
            "done": request.method == "POST",
        },
    )
