"""Bringing a newer catalogue version, or a new scope, into a running engagement: the preview
(a plan, engagements/sync/planner.py) and the apply that carries it out in one transaction, with one
audit event per task changed (engagements/sync/steps.py). Done tasks are never
unticked; notes, due dates, owners and evidence stay with their tasks; applying twice changes
nothing the second time, because the plan is worked out from the tasks as they stand.

Locks: the engagement's tasks (in id order), then the engagement row, as every service that
changes a task locks it before the engagement. The plan is worked out again under the locks, so
of two applies at once the second finds nothing left to do.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from engagements.journal import engagement_changed, event_record
from engagements.models import Engagement, EventKind, GateSignOff, Task
from engagements.services.engagements import as_data
from engagements.sync.planner import COPIED, Plan, TaskState, plan
from engagements.sync.steps import Cause, carry_out
from responsibilities.diff import catalogue_changes, frozen
from responsibilities.models import CatalogueVersion
from responsibilities.publishing import (
    applicable_items,
    latest_version,
    phase_orders,
    version_items,
)

# What a manager may change of an engagement's scope through the planner.
SCOPE_FIELDS = [
    "aad_premium",
    "intune",
    "azure_rms",
    "mdm",
    "mam",
    "pc_management",
    "federation",
    "multiple_forests",
    "licence_count",
]


class PlanChanged(ValidationError):
    """The engagement changed between the preview and the apply."""

    def __init__(self):
        super().__init__(
            _(
                "The engagement changed since this preview was made: nothing was applied. "
                "Read the new preview before applying it."
            )
        )


@dataclass
class Preview:
    engagement: Engagement
    version: CatalogueVersion
    plan: Plan


@dataclass
class ApplyResult:
    changed: int = 0  # tasks
    not_applied: list[str] = field(default_factory=list)  # keys left as they were


def task_states(engagement: Engagement) -> list[TaskState]:
    """The engagement's tasks as the planner reads them (one query)."""
    rows = list(
        Task.objects.filter(engagement=engagement)
        .select_related("responsibility", "phase", "newer_wording")
        .order_by("pk")
    )
    key_of = {row.pk: row.responsibility.key if row.responsibility_id else "" for row in rows}
    return [
        TaskState(
            pk=row.pk,
            key=key_of[row.pk],
            party=row.party,
            done=row.done,
            withdrawn=row.is_withdrawn,
            phase_code=row.phase.code if row.phase_id else "",
            section=row.section,
            parent_key=key_of.get(row.parent_id, ""),
            copied={name: getattr(row, copy) for name, copy in COPIED.items()},
            newer=(
                {name: getattr(row.newer_wording, name) for name in COPIED}
                if row.newer_wording_id
                else None
            ),
        )
        for row in rows
    ]


def _signed_phases(engagement: Engagement) -> set[str]:
    return set(
        GateSignOff.objects.filter(
            gate__engagement=engagement, withdrawn_at__isnull=True
        ).values_list("gate__phase__code", flat=True)
    )


def _order(items) -> dict[str, int]:
    orders = phase_orders()
    ranked = sorted(items.values(), key=lambda item: item.catalogue_order(orders))
    return {item.key: index for index, item in enumerate(ranked)}


def _applicable(items, engagement: Engagement) -> set[str]:
    return {
        item.key
        for item in applicable_items(
            items, services=engagement.services(), conditions=engagement.conditions()
        )
    }


def version_preview(engagement: Engagement, version: CatalogueVersion | None = None) -> Preview:
    """What bringing `version` (the latest by default) into the engagement would do."""
    version = version or latest_version()
    items = version_items(version)
    changes = catalogue_changes(frozen(engagement.catalogue_version), frozen(version))
    return _preview(
        engagement,
        version,
        items,
        applicable_to=engagement,
        kinds={change.key: change.kinds for change in changes},
    )


def scope_preview(engagement: Engagement, scope: dict) -> Preview:
    """What giving the engagement the services and options in `scope` would do to its tasks
    (against the catalogue version it is on)."""
    version = engagement.catalogue_version or latest_version()
    items = version_items(version)
    proposed = Engagement(**{name: getattr(engagement, name) for name in SCOPE_FIELDS})
    for name, value in scope.items():
        setattr(proposed, name, value)
    return _preview(
        engagement,
        version,
        items,
        applicable_to=proposed,
        was_applicable=_applicable(items, engagement),
    )


def _preview(engagement, version, items, *, applicable_to: Engagement, **change) -> Preview:
    """The plan for bringing the engagement's tasks to `items` (of `version`), which apply as
    they would to `applicable_to`; `change` tells the planner whether a new version or a new
    scope is planned (`kinds` or `was_applicable`, see planner.plan)."""
    return Preview(
        engagement=engagement,
        version=version,
        plan=plan(
            tasks=task_states(engagement),
            target=items,
            applicable=_applicable(items, applicable_to),
            signed_phases=_signed_phases(engagement),
            order=_order(items),
            **change,
        ),
    )


def _locked(engagement: Engagement) -> Engagement:
    """Lock the engagement's tasks, then its row, and read it again."""
    list(
        Task.objects.select_for_update()
        .filter(engagement_id=engagement.pk)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return Engagement.objects.select_for_update().get(pk=engagement.pk)


def _chosen(preview: Preview, keys: set[str] | None):
    """The entries to apply: those asked for (all by default), and the new parent a new
    sub-item needs."""
    actionable = {entry.key: entry for entry in preview.plan.actionable}
    wanted = set(actionable) if keys is None else set(keys) & set(actionable)
    for key in list(wanted):
        parent = actionable[key].item.parent_key if actionable[key].item else ""
        while parent in actionable and actionable[parent].effect in ("add", "restore"):
            wanted.add(parent)
            parent = actionable[parent].item.parent_key
    return [entry for entry in preview.plan.actionable if entry.key in wanted]


@transaction.atomic
def catalogue_apply(
    *,
    engagement: Engagement,
    version: CatalogueVersion,
    user: AbstractBaseUser,
    keys: set[str] | None = None,
    expected: str | None = None,
) -> ApplyResult:
    """Bring `version` into the engagement: every change of its plan, or those of `keys`.
    `expected` is the fingerprint of the preview the user read: a plan that no longer matches
    it is refused. The engagement is then on `version`; what was not applied stays offered."""
    engagement = _locked(engagement)
    on = engagement.catalogue_version
    if on is not None and version.number < on.number:
        raise ValidationError(
            _("This engagement is already on version %(number)d of the catalogue.")
            % {"number": on.number}
        )
    preview = version_preview(engagement, version)
    if expected is not None and preview.plan.fingerprint != expected:
        raise PlanChanged
    chosen = _chosen(preview, keys)
    changed = carry_out(
        engagement=engagement, entries=chosen, user=user, version=version, cause=Cause.CATALOGUE
    )
    applied = {entry.key for entry in chosen}
    result = ApplyResult(
        changed=changed,
        not_applied=sorted(
            entry.key
            for entry in [*preview.plan.actionable, *preview.plan.blocked]
            if entry.key not in applied
        ),
    )
    if on != version:
        engagement.catalogue_version = version
        engagement.save(update_fields=["catalogue_version"])
    if changed or on != version:
        event_record(
            engagement_id=engagement.pk,
            actor=user,
            kind=EventKind.CATALOGUE_APPLIED,
            changes={
                "from": on.number if on else None,
                "to": version.number,
                "tasks": changed,
                "not_applied": result.not_applied,
            },
        )
        engagement_changed(engagement_id=engagement.pk)
    return result


@transaction.atomic
def scope_apply(
    *, engagement: Engagement, scope: dict, user: AbstractBaseUser, expected: str | None = None
) -> ApplyResult:
    """Give the engagement the services and options in `scope` (an event with from and to),
    adding the tasks that now apply and withdrawing the open ones that no longer do."""
    engagement = _locked(engagement)
    changed_fields = [name for name in SCOPE_FIELDS if getattr(engagement, name) != scope[name]]
    if not changed_fields:
        return ApplyResult()
    preview = scope_preview(engagement, scope)
    if expected is not None and preview.plan.fingerprint != expected:
        raise PlanChanged
    before = {name: getattr(engagement, name) for name in changed_fields}
    for name in changed_fields:
        setattr(engagement, name, scope[name])
    engagement.full_clean()
    engagement.save(update_fields=changed_fields)
    event_record(
        engagement_id=engagement.pk,
        actor=user,
        kind=EventKind.ENGAGEMENT_CHANGED,
        changes={
            name: [as_data(before[name]), as_data(getattr(engagement, name))]
            for name in changed_fields
        },
    )
    changed = carry_out(
        engagement=engagement,
        entries=preview.plan.actionable,
        user=user,
        version=preview.version,
        cause=Cause.SCOPE,
    )
    engagement_changed(engagement_id=engagement.pk)
    return ApplyResult(changed=changed, not_applied=[entry.key for entry in preview.plan.blocked])
