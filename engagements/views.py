import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language

from responsibilities.models import Party

from . import services
from .access import (
    EngagementAccess,
    get_checkpoint_for_user,
    get_engagement_for_user,
    get_task_for_user,
)
from .calendar import checkpoint_ics
from .charts import bar_chart, burnup_chart
from .dashboards import (
    engagement_burnup,
    engagement_due_tasks,
    engagement_progress,
    engagement_statuses,
    portfolio_page,
    portfolio_rows,
    portfolio_summary,
    status_progress,
)
from .forms import (
    CheckpointForm,
    InviteForm,
    PortfolioFilterForm,
    ProfileForm,
    ShareLinkForm,
    TaskDoneForm,
    TaskDueDateForm,
    TaskNoteForm,
)
from .models import Engagement, Membership, Profile, ShareLink
from .selectors import (
    engagement_checkpoints,
    engagement_recent_activity,
    engagement_task_groups,
)


@login_required
def engagement_list(request):
    engagements = Engagement.objects.visible_to(request.user).with_task_counts()
    return render(request, "engagements/engagement_list.html", {"engagements": engagements})


@login_required
def engagement_detail(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    return render(
        request,
        "engagements/engagement_detail.html",
        {
            "access": access,
            "engagement": engagement,
            "groups": engagement_task_groups(engagement),
            "progress": engagement_progress(engagement, timezone.now()),
            "activity": engagement_recent_activity(engagement),
            "checkpoints": engagement_checkpoints(engagement, timezone.now()),
        },
    )


def _task_changed(request, access, task, *, error=None):
    """Answer an htmx request with the row and what it changed; anything else with a redirect."""
    if request.headers.get("HX-Request"):
        return render(
            request,
            "engagements/_task_changed.html",
            {
                "access": access,
                "engagement": access.engagement,
                "task": task,
                "error": error,
                "progress": engagement_progress(access.engagement, timezone.now()),
                "activity": engagement_recent_activity(access.engagement),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    url = reverse("engagement-detail", args=[access.engagement.pk])
    return redirect(f"{url}#task-{task.pk}")


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


@login_required
@require_POST
def task_set_done(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    access.require(access.can_change_task(task))
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, access, task, error=_first_error(form))
    task = services.task_set_done(
        task=task,
        user=request.user,
        done=form.cleaned_data["done"],
        reason=form.cleaned_data["reason"],
    )
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_set_note(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    form = TaskNoteForm(request.POST)
    if not form.is_valid():
        return _task_changed(request, access, task, error=_first_error(form))
    task = services.task_set_note(task=task, user=request.user, note=form.cleaned_data["note"])
    return _task_changed(request, access, task)


@login_required
@require_POST
def task_set_due_date(request, pk, task_pk):
    access, task = get_task_for_user(request.user, pk, task_pk, write=True)
    form = TaskDueDateForm(request.POST, engagement=access.engagement)
    if not form.is_valid():
        return _task_changed(request, access, task, error=_first_error(form))
    task = services.task_set_due_date(
        task=task, user=request.user, due_date=form.cleaned_data["due_date"]
    )
    return _task_changed(request, access, task)


def _checkpoint_form_page(request, access, form, checkpoint=None):
    return render(
        request,
        "engagements/checkpoint_form.html",
        {"access": access, "engagement": access.engagement, "form": form, "checkpoint": checkpoint},
    )


@login_required
def checkpoint_new(request, pk):
    access = get_engagement_for_user(request.user, pk, write=True)
    engagement = access.engagement
    if request.method != "POST":
        form = CheckpointForm(
            engagement=engagement,
            initial={"attendees": list(engagement.memberships.values_list("user_id", flat=True))},
        )
        return _checkpoint_form_page(request, access, form)
    form = CheckpointForm(request.POST, engagement=engagement)
    if form.is_valid():
        try:
            checkpoint = services.checkpoint_schedule(
                engagement=engagement, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Checkpoint scheduled; its attendees will be reminded."))
            return redirect("checkpoint-detail", pk=engagement.pk, checkpoint_pk=checkpoint.pk)
    return _checkpoint_form_page(request, access, form)


@login_required
def checkpoint_edit(request, pk, checkpoint_pk):
    access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk, write=True)
    engagement = access.engagement
    if request.method != "POST":
        initial = {
            field: getattr(checkpoint, field)
            for field in ("title", "kind", "phase", "starts_at", "ends_at", "location", "agenda")
        }
        initial["attendees"] = list(checkpoint.attendees.values_list("pk", flat=True))
        form = CheckpointForm(engagement=engagement, initial=initial)
        return _checkpoint_form_page(request, access, form, checkpoint)
    form = CheckpointForm(request.POST, engagement=engagement)
    if form.is_valid():
        try:
            services.checkpoint_update(
                checkpoint=checkpoint, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Checkpoint changed; reminders follow the new details."))
            return redirect("checkpoint-detail", pk=engagement.pk, checkpoint_pk=checkpoint.pk)
    return _checkpoint_form_page(request, access, form, checkpoint)


@login_required
@require_POST
def checkpoint_cancel(request, pk, checkpoint_pk):
    access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk, write=True)
    try:
        services.checkpoint_cancel(checkpoint=checkpoint, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Checkpoint cancelled; its attendees are being told."))
    return redirect("checkpoint-detail", pk=pk, checkpoint_pk=checkpoint_pk)


@login_required
def checkpoint_detail(request, pk, checkpoint_pk):
    access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk)
    return render(
        request,
        "engagements/checkpoint_detail.html",
        {
            "access": access,
            "engagement": access.engagement,
            "checkpoint": checkpoint,
            "attendees": checkpoint.attendees.order_by("first_name", "username"),
            "notifications": checkpoint.notifications.select_related("recipient").order_by(
                "due_at", "recipient__username"
            ),
            "can_change": access.can_schedule_checkpoints
            and not checkpoint.is_cancelled
            and not checkpoint.has_started(),
        },
    )


@login_required
def checkpoint_calendar(request, pk, checkpoint_pk):
    _access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk)
    response = HttpResponse(checkpoint_ics(checkpoint), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="checkpoint-{checkpoint.pk}.ics"'
    return response


@login_required
def profile(request):
    instance, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Preferences saved."))
        return redirect("profile")
    return render(request, "engagements/profile.html", {"form": form})


def _dashboard_context(access, now) -> dict:
    engagement = access.engagement
    status = engagement_statuses([engagement], now)[engagement.pk]
    today = timezone.localdate(now)
    return {
        "access": access,
        "engagement": engagement,
        "status": status,
        "progress": status_progress(status),
        "risk_reasons": status.risk_reasons(now),
        "due": engagement_due_tasks(engagement, today),
        "burnup": burnup_chart(engagement_burnup(engagement, today), status.overall.total),
        "activity": engagement_recent_activity(engagement),
    }


@login_required
def engagement_dashboard(request, pk):
    access = get_engagement_for_user(request.user, pk)
    return render(request, "engagements/dashboard.html", _dashboard_context(access, timezone.now()))


@require_safe
def shared_dashboard(request, token):
    """The dashboard behind a share link, for people without an account; never writes."""
    link = (
        ShareLink.objects.filter(token_hash=services.share_token_hash(token))
        .select_related("engagement")
        .first()
    )
    if link is None:
        raise Http404(_("This share link does not exist. Check that it was copied whole."))
    now = timezone.now()
    if not link.is_usable(now):
        return render(request, "engagements/share_link_closed.html", {"link": link}, status=410)
    access = EngagementAccess(engagement=link.engagement, membership=None, share_link=link)
    return render(request, "engagements/dashboard.html", _dashboard_context(access, now))


@login_required
def members(request, pk):
    access = get_engagement_for_user(request.user, pk)
    engagement = access.engagement
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        access.require(access.can_invite(access.party))
        if form.is_valid():
            try:
                membership = services.member_invite(
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
    return render(
        request,
        "engagements/members.html",
        {
            "access": access,
            "engagement": engagement,
            "memberships": engagement.memberships.select_related("user").order_by(
                "party", "role", "user__first_name"
            ),
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
    access.require(access.can_invite(membership.party) and membership.user_id != request.user.pk)
    services.member_remove(membership=membership, removed_by=request.user)
    messages.success(request, _("Member removed."))
    return redirect("engagement-members", pk=pk)


@login_required
def share_links(request, pk):
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_manage_share_links)
    engagement = access.engagement
    form = ShareLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _link, token = services.share_link_create(
                engagement=engagement, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Share link made. Copy it now, it is not shown again: %(url)s")
                % {"url": request.build_absolute_uri(reverse("shared-dashboard", args=[token]))},
            )
            return redirect("engagement-share-links", pk=pk)
    return render(
        request,
        "engagements/share_links.html",
        {
            "access": access,
            "engagement": engagement,
            "links": engagement.share_links.select_related("created_by"),
            "form": form,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def share_link_revoke(request, pk, link_pk):
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_manage_share_links)
    link = get_object_or_404(ShareLink, engagement=access.engagement, pk=link_pk)
    services.share_link_revoke(link=link, user=request.user)
    messages.success(request, _("Share link revoked: it opens nothing any more."))
    return redirect("engagement-share-links", pk=pk)


AUDIT_PAGE_SIZE = 100


@login_required
def audit_trail(request, pk):
    access = get_engagement_for_user(request.user, pk)
    events = access.engagement.events.select_related("task", "checkpoint").order_by("-sequence")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagements/audit_trail.html",
        {"access": access, "engagement": access.engagement, "page": page, "query": ""},
    )


@login_required
def audit_csv(request, pk):
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_download_audit)
    events = access.engagement.events.select_related("task", "checkpoint").order_by("sequence")
    header = [
        "sequence",
        "at",
        "actor",
        "party",
        "on_behalf_of",
        "kind",
        "task",
        "checkpoint",
        "old_value",
        "new_value",
        "reason",
        "previous_hash",
        "hash",
    ]
    rows = (
        [
            event.sequence,
            event.created_at.isoformat(),
            event.actor_name,
            event.party,
            event.on_behalf_of,
            event.kind,
            event.task.text_pt if event.task else "",
            event.checkpoint.title if event.checkpoint else "",
            event.old_value,
            event.new_value,
            event.reason,
            event.previous_hash,
            event.hash,
        ]
        for event in events.iterator()
    )

    def lines():
        yield from _csv_rows([header])
        yield from _csv_rows(rows)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-engagement-{access.engagement.pk}.csv"'
    )
    return response


def _portfolio_context(request):
    form = PortfolioFilterForm(request.GET)
    filters = form.filters()
    query = request.GET.copy()
    query.pop("page", None)
    return form, filters, query


def _without(query, name) -> str:
    query = query.copy()
    query.pop(name, None)
    return query.urlencode()


@login_required
def portfolio(request, view="table"):
    form, filters, query = _portfolio_context(request)
    page = portfolio_page(request.user, filters, request.GET.get("page"), timezone.now())
    return render(
        request,
        "engagements/portfolio.html" if view == "table" else "engagements/portfolio_matrix.html",
        {
            "form": form,
            "page": page,
            "sort": filters.get("sort", "customer"),
            "query": query.urlencode(),
            "base_query": _without(query, "sort"),
            "phases": page.object_list[0].status.phases if page.object_list else [],
        },
    )


@login_required
def portfolio_summary_view(request):
    form, filters, query = _portfolio_context(request)
    summary = portfolio_summary(portfolio_rows(request.user, filters, timezone.now()))
    return render(
        request,
        "engagements/portfolio_summary.html",
        {
            "form": form,
            "query": query.urlencode(),
            "summary": summary,
            "per_phase_chart": bar_chart([(name, n, "phase") for name, n in summary.per_phase]),
            "risk_chart": bar_chart(
                [
                    (_("On track"), summary.on_track, "on-track"),
                    (_("At risk"), summary.at_risk, "at-risk"),
                ]
            ),
            "overdue_chart": bar_chart(
                [
                    (Party(party).label, count, party)
                    for party, count in summary.overdue_by_party.items()
                ]
            ),
        },
    )


class _Echo:
    """A file-like sink for csv.writer whose write returns the line for streaming."""

    def write(self, value):
        return value


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_rows(rows):
    """CSV lines to stream; a text cell a spreadsheet would run as a formula gets a leading '
    (notes and names are typed by people, and the file is opened by others)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(
            [
                f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell
                for cell in row
            ]
        )


@login_required
def portfolio_csv(request):
    _form, filters, _query = _portfolio_context(request)
    now = timezone.now()
    header = [
        _("Customer"),
        _("Services"),
        _("Current phase"),
        _("Customer done"),
        _("Customer tasks"),
        _("Microsoft done"),
        _("Microsoft tasks"),
        _("Overdue"),
        _("Next checkpoint"),
        _("Last activity"),
        _("At risk"),
        _("Why"),
    ]
    # Built now, not while streaming: by then the user's language and time zone are gone.
    table = [header]
    for row in portfolio_rows(request.user, filters, now):
        status, checkpoint = row.status, row.status.next_checkpoint
        table.append(
            [
                row.engagement.customer,
                "; ".join(row.engagement.service_labels()),
                status.current_phase.name if status.current_phase else _("Completed"),
                status.customer.done,
                status.customer.total,
                status.microsoft.done,
                status.microsoft.total,
                status.overdue,
                timezone.localtime(checkpoint.starts_at).isoformat() if checkpoint else "",
                timezone.localtime(status.last_activity_at).isoformat()
                if status.last_activity_at
                else "",
                _("yes") if row.risk_reasons else _("no"),
                "; ".join(row.risk_reasons),
            ]
        )
    response = StreamingHttpResponse(_csv_rows(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio.csv"'
    return response


@require_POST
def language_switch(request):
    """Switch the page language; a signed-in user's choice is kept on their profile, so their
    emails follow it too. Anyone else keeps it in a cookie (Django's set_language)."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    return response
