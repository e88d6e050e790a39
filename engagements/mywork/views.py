"""My work's page, the top bar's count, and where a person lands after signing in."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from engagements.mywork.selectors import my_work


@login_required
@require_GET
def my_work_page(request):
    work = my_work(request.user, timezone.localdate())
    # The top bar shows the count read here, instead of asking for it again.
    return render(request, "engagements/my_work.html", {"work": work, "top_bar_work": work})


@require_GET
def my_work_count(request):
    """The top bar's count, asked for by htmx once the page is shown, so no page pays for it.
    Refused without a redirect to the sign-in page, which htmx would swap into the bar."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    work = my_work(request.user, timezone.localdate())
    return render(request, "engagements/_my_work_count.html", {"top_bar_work": work})


@login_required
@require_GET
def landing(request):
    """After signing in (with a password or with Microsoft) and no page asked for: My work for
    anyone with something on it, the engagement list for the others."""
    if my_work(request.user, timezone.localdate()).count:
        return redirect("my-work")
    return redirect("engagement-list")
