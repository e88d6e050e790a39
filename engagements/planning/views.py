"""The plan page: the current plan phase by phase against the baseline and the forecast, every
version with what it moved, and the re-plan form for those who may re-plan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import get_engagement_for_user
from engagements.planning.forms import PlanForm
from engagements.planning.selectors import engagement_plan, plan_comparison, plan_versions
from engagements.planning.services import plan_change
from responsibilities.models import Phase


def _initial(versions) -> dict:
    if not versions:
        return {}
    return {
        name: value
        for planned in versions[-1].phases.all()
        for name, value in (
            (f"{planned.phase.code}_start", planned.starts_on),
            (f"{planned.phase.code}_end", planned.ends_on),
        )
    }


def _add_errors(form, error: ValidationError) -> None:
    """The service's refusal on the form: beside the field it names, or above the form."""
    named = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, errors in named.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@login_required
def engagement_plan_page(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    phases = list(Phase.objects.order_by("order"))
    versions = plan_versions(engagement)
    form = None
    if access.can_change_plan:
        form = PlanForm(request.POST or None, phases=phases, initial=_initial(versions))
    if request.method == "POST":
        access.require(access.can_change_plan)
        if form.is_valid():
            try:
                plan = plan_change(
                    engagement=engagement,
                    user=request.user,
                    dates=form.dates(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, _("The plan is now version %(version)d.") % {"version": plan.version}
                )
                return redirect("engagement-plan", pk=engagement.pk)
    today = timezone.localdate()
    changes = [
        (after, [change for change in plan_comparison(before, after) if change.changed])
        for before, after in zip(versions, versions[1:], strict=False)
    ]
    return render(
        request,
        "engagements/planning/plan.html",
        {
            "access": access,
            "engagement": engagement,
            "plan": engagement_plan(engagement, phases, today),
            "baseline": versions[0] if versions else None,
            "changes": list(reversed(changes)),
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )
