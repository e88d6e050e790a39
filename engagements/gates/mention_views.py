"""The members suggested as someone types "@" in a task's comment (an htmx partial)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from engagements.access import get_engagement_for_user
from engagements.gates.mentions import FRAGMENT_MAX_LENGTH, mention_suggestions
from fasttrack import bounds


class SuggestionForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=FRAGMENT_MAX_LENGTH, validators=[bounds.validate_single_line]
    )


@login_required
def mention_suggest(request, pk):
    """Only those who may comment are told who the members are: an outsider gets 404, staff
    who are not members 403."""
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_comment)
    form = SuggestionForm(request.GET)
    if not form.is_valid():
        return render(
            request, "engagements/_mention_suggestions.html", {"refused": True}, status=400
        )
    members = []
    for membership in access.memberships:
        if membership.user.is_active:
            membership.user.mention_party = membership.get_party_display()
            members.append(membership.user)
    return render(
        request,
        "engagements/_mention_suggestions.html",
        {
            "suggestions": mention_suggestions(
                form.cleaned_data["q"], members, exclude=request.user
            ),
            "fragment": form.cleaned_data["q"],
        },
    )
