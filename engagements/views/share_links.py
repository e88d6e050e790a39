"""Making and revoking an engagement's share links."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagements.access import get_engagement_for_user
from engagements.models import ShareLink
from engagements.selectors.engagements import engagement_share_links
from engagements.services import share_links as share_link_services
from engagements.views.forms import ShareLinkForm

NEW_LINK_SESSION_KEY = "new_share_link"


@login_required
def share_links(request, pk):
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_manage_share_links)
    engagement = access.engagement
    form = ShareLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _link, token = share_link_services.share_link_create(
                engagement=engagement, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Share link made. Copy it now: it is not shown again."))
            # The database keeps only the token's hash; the session holds the link just until
            # the next page shows it, beside a copy button.
            request.session[NEW_LINK_SESSION_KEY] = request.build_absolute_uri(
                reverse("shared-dashboard", args=[token])
            )
            return redirect("engagement-share-links", pk=pk)
    return render(
        request,
        "engagements/share_links.html",
        {
            "access": access,
            "engagement": engagement,
            "links": engagement_share_links(engagement),
            "form": form,
            "now": timezone.now(),
            "new_link_url": request.session.pop(NEW_LINK_SESSION_KEY, None),
        },
    )


@login_required
@require_POST
def share_link_revoke(request, pk, link_pk):
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_manage_share_links)
    link = get_object_or_404(ShareLink, engagement=access.engagement, pk=link_pk)
    share_link_services.share_link_revoke(link=link, user=request.user)
    messages.success(request, _("Share link revoked: it opens nothing any more."))
    return redirect("engagement-share-links", pk=pk)
