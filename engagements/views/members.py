"""The members page: who is on the engagement, inviting and removing people."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagements.access import get_engagement_for_user
from engagements.models import Membership
from engagements.selectors.engagements import engagement_memberships
from engagements.services import members as member_services
from engagements.views.forms import InviteForm


@login_required
def members(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        access.require(access.can_invite(access.party))
        if form.is_valid():
            try:
                membership = member_services.member_invite(
                    engagement=engagement,
                    invited_by=request.user,
                    party=access.party,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(name)s was added; an invitation email is on its way.")
                    % {"name": membership.user.get_full_name() or membership.user.email},
                )
                return redirect("engagement-members", pk=pk)
    memberships = list(engagement_memberships(engagement))
    return render(
        request,
        "engagements/members.html",
        {
            "access": access,
            "engagement": engagement,
            "members": [(m, access.can_remove_member(m)) for m in memberships],
            "form": form,
        },
    )


@login_required
@require_POST
def member_remove(request, pk, membership_pk):
    access = get_engagement_for_user(request.user, pk, write=True)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), engagement=access.engagement, pk=membership_pk
    )
    access.require(access.can_remove_member(membership))
    member_services.member_remove(membership=membership, removed_by=request.user)
    messages.success(request, _("Member removed."))
    return redirect("engagement-members", pk=pk)
