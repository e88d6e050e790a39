"""The planner's pages: a newer catalogue version previewed against the engagement's tasks and
brought in (all its changes or those chosen), and a scope change previewed and applied."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from engagements.access import get_engagement_for_user
from engagements.sync import services as sync
from engagements.sync.forms import CatalogueApplyForm, ScopeForm
from engagements.sync.planner import Effect, Entry
from engagements.views.common import first_error
from responsibilities.diff import ChangeKind
from responsibilities.models import CatalogueVersion, Party, Phase
from responsibilities.publishing import latest_version


@dataclass
class Row:
    """A plan entry as the preview shows it."""

    entry: Entry
    where: str
    changes: str
    effect: str
    waits: str


def _rows(preview: sync.Preview, *, scope: bool = False) -> list[Row]:
    """Each entry in words; `scope`: the plan of a scope change, whose entries are there
    because the item now applies or no longer does."""
    phases = {phase.code: phase.name for phase in Phase.objects.all()}

    def phase_name(code: str) -> str:
        return phases.get(code, code) if code else _("General responsibilities")

    rows = []
    for entry in preview.plan.entries:
        source = entry.item or entry.task
        effect = entry.effect_label
        if entry.effect == Effect.ADD:
            effect = _("a new task in %(phase)s") % {"phase": phase_name(entry.item.phase_code)}
        elif entry.effect == Effect.UPDATE and entry.moved:
            moved_to = {"phase": phase_name(entry.item.phase_code)}
            effect = (
                _("the open task takes the new wording and moves to %(phase)s") % moved_to
                if entry.reworded
                else _("the open task moves to %(phase)s") % moved_to
            )
        if scope:
            changes = (
                _("applies with the new scope")
                if entry.effect in (Effect.ADD, Effect.RESTORE)
                else _("no longer applies with the new scope")
            )
        else:
            changes = _("in the catalogue: %(changes)s") % {
                "changes": ", ".join(str(ChangeKind(kind).label) for kind in entry.kinds)
                or _("differs from the catalogue (not brought in before)")
            }
        rows.append(
            Row(
                entry=entry,
                where=f"{Party(source.party).label} · {phase_name(source.phase_code)}",
                changes=changes,
                effect=effect,
                waits=(
                    _("Waits: %(phase)s is signed off. Reopen it, with a reason, to bring this in.")
                    % {"phase": phase_name(entry.blocked_by)}
                    if entry.blocked_by
                    else ""
                ),
            )
        )
    return rows


def _summary(counts: dict[str, int]) -> list[str]:
    told = {
        Effect.ADD: lambda n: ngettext("%(count)d new task", "%(count)d new tasks", n),
        Effect.RESTORE: lambda n: ngettext(
            "%(count)d withdrawn task back", "%(count)d withdrawn tasks back", n
        ),
        Effect.UPDATE: lambda n: ngettext(
            "%(count)d open task updated", "%(count)d open tasks updated", n
        ),
        Effect.KEEP: lambda n: ngettext(
            "%(count)d done task keeps its wording",
            "%(count)d done tasks keep their wording",
            n,
        ),
        Effect.WITHDRAW: lambda n: ngettext(
            "%(count)d open task withdrawn", "%(count)d open tasks withdrawn", n
        ),
    }
    return [told[effect](count) % {"count": count} for effect, count in counts.items() if count]


def applied_message(result: sync.ApplyResult) -> str:
    told = ngettext("%(count)d task changed.", "%(count)d tasks changed.", result.changed) % {
        "count": result.changed
    }
    left = len(result.not_applied)
    if left:
        told += " " + ngettext(
            "%(count)d change was not applied: the catalogue page still offers it.",
            "%(count)d changes were not applied: the catalogue page still offers them.",
            left,
        ) % {"count": left}
    return told


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_update(request, pk):
    """GET: the latest catalogue version against the engagement's tasks. POST: bring in the
    changes chosen (checked against the preview they were chosen from)."""
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_plan)
    engagement = access.engagement
    if request.method == "POST":
        form = CatalogueApplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, first_error(form))
            return redirect(request.path)
        version = CatalogueVersion.objects.filter(number=form.cleaned_data["version"]).first()
        if version is None:
            raise Http404(_("No such catalogue version."))
        try:
            result = sync.catalogue_apply(
                engagement=engagement,
                version=version,
                user=request.user,
                keys=form.cleaned_data["items"],
                expected=form.cleaned_data["plan"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.path)
        messages.success(request, applied_message(result))
        return redirect(reverse("engagement-detail", args=[pk]))
    version = latest_version()
    if version is None:
        raise Http404(_("No such catalogue version."))
    preview = sync.version_preview(engagement, version)
    return render(
        request,
        "engagements/catalogue_update.html",
        {
            "access": access,
            "engagement": engagement,
            "version": version,
            "preview": preview,
            "rows": _rows(preview),
            "summary": _summary(preview.plan.counts()),
            "form": CatalogueApplyForm(
                initial={"version": version.number, "plan": preview.plan.fingerprint}
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scope_change(request, pk):
    """GET: the engagement's scope as a form; with `preview`, what the scope asked for would do
    to the tasks. POST: apply it (checked against the preview it was asked from)."""
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_plan)
    engagement = access.engagement
    current = {name: getattr(engagement, name) for name in sync.SCOPE_FIELDS}
    if request.method == "POST":
        form = ScopeForm(request.POST)
        if not form.is_valid() or not form.cleaned_data["plan"]:
            messages.error(request, first_error(form) if form.errors else _("Preview it first."))
            return redirect(request.path)
        try:
            result = sync.scope_apply(
                engagement=engagement,
                scope=form.scope,
                user=request.user,
                expected=form.cleaned_data["plan"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.path)
        messages.success(request, _("The scope is changed.") + " " + applied_message(result))
        return redirect(reverse("engagement-detail", args=[pk]))
    form = ScopeForm(request.GET if "preview" in request.GET else None, initial=current)
    preview, unchanged = None, False
    if form.is_bound and form.is_valid():
        scope, unchanged = form.scope, form.scope == current
        preview = sync.scope_preview(engagement, scope)
        # The same values, and the fingerprint of what they would do, for the apply.
        form = ScopeForm(initial={**scope, "plan": preview.plan.fingerprint})
    return render(
        request,
        "engagements/scope.html",
        {
            "access": access,
            "engagement": engagement,
            "form": form,
            "preview": preview,
            "unchanged": unchanged,
            "rows": _rows(preview, scope=True) if preview else [],
            "summary": _summary(preview.plan.counts()) if preview else [],
        },
    )
