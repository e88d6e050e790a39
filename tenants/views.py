"""The engagement's tenant page: connect (admin consent), what the tenant says, check now,
disconnect; the assessment snapshot; a tick that takes the tenant's confirmation as evidence."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagements.access import get_engagement_for_user, get_task_for_user
from tenants import consent, evidence, services
from tenants.assessment import assessment_of
from tenants.graph import ConsentMissing, NotConfigured, TenantUnreachable
from tenants.models import ConnectionState, Observation, Tier
from tenants.permissions import tier_permissions
from tenants.selectors import connection_of, latest_run, open_drifts, run_observations, shown
from tenants.tasks import tenant_check_queue


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def tenant_page(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    connection = connection_of(engagement)
    run = latest_run(engagement)
    response = render(
        request,
        "tenants/tenant.html",
        {
            "access": access,
            "engagement": engagement,
            "connection": connection,
            "connected": connection is not None and connection.state == ConnectionState.CONNECTED,
            "run": run,
            "observations": run_observations(run),
            "drifts": open_drifts(engagement),
            "tiers": [
                (tier, Tier(tier).label, tier_permissions(tier)) for tier in consent.offered_tiers()
            ],
        },
    )
    # The connect form's answer sends the browser on to Entra's consent page, and a form's
    # redirect is held to the page's form-action too.
    response._csp_update = {"form-action": [settings.ENTRA_AUTHORITY_HOST]}
    return response


@login_required
@require_POST
def tenant_connect(request, pk):
    access = get_engagement_for_user(request.user, pk)
    try:
        address = consent.consent_address(
            engagement=access.engagement,
            user=request.user,
            tier=request.POST.get("tier", ""),
            redirect_uri=request.build_absolute_uri(reverse("tenant-consent")),
            session=request.session,
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("engagement-tenant", pk=pk)
    return redirect(address)


@login_required
def tenant_consent(request):
    """Entra sends the administrator back here, for every engagement: the state says which."""
    try:
        state = consent.consent_state_read(
            request.GET.get("state", ""), user=request.user, session=request.session
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("engagement-list")
    pk = state["engagement"]
    access = get_engagement_for_user(request.user, pk)
    if request.GET.get("error"):
        messages.error(
            request,
            _(
                "The tenant was not connected: its administrator did not give consent, or "
                "Microsoft refused it. Nothing changed."
            ),
        )
        return redirect("engagement-tenant", pk=pk)
    try:
        services.tenant_connect(
            engagement=access.engagement,
            user=request.user,
            tier=state["tier"],
            tenant_id=request.GET.get("tenant", "")[:36],
            now=timezone.now(),
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("engagement-tenant", pk=pk)
    except (ConsentMissing, TenantUnreachable, NotConfigured):
        messages.error(
            request,
            _(
                "Microsoft said the consent was given, but the tenant could not be read with "
                "it. Nothing changed; try again in a few minutes."
            ),
        )
        return redirect("engagement-tenant", pk=pk)
    tenant_check_queue(pk, request.user.pk)
    messages.success(request, _("The tenant is connected. It is being read now."))
    return redirect("engagement-tenant", pk=pk)


@login_required
@require_POST
def tenant_disconnect(request, pk):
    access = get_engagement_for_user(request.user, pk)
    try:
        services.tenant_disconnect(engagement=access.engagement, user=request.user)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            _(
                "The tenant is disconnected: it will not be read again. To withdraw the consent "
                "itself, its administrator removes the portal's app from the tenant's "
                "enterprise applications."
            ),
        )
    return redirect("engagement-tenant", pk=pk)


@login_required
@require_POST
def tenant_check_now(request, pk):
    access = get_engagement_for_user(request.user, pk)
    try:
        services.tenant_check_request(
            engagement=access.engagement, user=request.user, now=timezone.now()
        )
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        tenant_check_queue(pk, request.user.pk)
        messages.success(request, _("The tenant is being read; reload the page in a minute."))
    return redirect("engagement-tenant", pk=pk)


@login_required
def tenant_assessment(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    return render(
        request,
        "tenants/assessment.html",
        {
            "access": access,
            "engagement": engagement,
            "connection": connection_of(engagement),
            "assessment": assessment_of(engagement),
        },
    )


@login_required
@require_POST
def task_done_with_observation(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk)
    observation = get_object_or_404(
        Observation.objects.select_related("run"),
        engagement=access.engagement,
        pk=request.POST.get("observation")
        if str(request.POST.get("observation", "")).isdigit()
        else 0,
    )
    try:
        evidence.task_done_with_observation(
            task=task,
            user=request.user,
            observation=observation,
            caption=f"{_('Tenant confirms')}: {shown(observation).words}"[:200],
        )
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Marked done, with the tenant's observation as evidence."))
    return redirect(f"{reverse('engagement-detail', args=[pk])}#task-{task.pk}")
