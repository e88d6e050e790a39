"""Making and changing an engagement's plan. The baseline is made with the engagement (a
listener of engagements/journal.py) from the catalogue's typical phase durations; managers of
either party and staff re-plan with a reason, which adds a version and keeps the earlier ones.
Each is an event of the engagement's trail that holds the dates as data."""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import engagement_access
from engagements.journal import engagement_changed, engagement_lock, event_record
from engagements.models import BASELINE_VERSION, Engagement, EventKind, Plan, PlannedPhase
from fasttrack import bounds
from responsibilities.models import Phase

# A phase's planned (start, end), by phase code.
Dates = dict[str, tuple[datetime.date, datetime.date]]


def typical_dates(start_date: datetime.date, phases: list[Phase]) -> Dates:
    """The phases one after another from the start date, each its typical duration long."""
    dates, starts_on = {}, start_date
    for phase in phases:
        ends_on = starts_on + datetime.timedelta(days=phase.typical_days)
        dates[phase.code] = (starts_on, ends_on)
        starts_on = ends_on
    return dates


def _as_data(dates: Dates) -> dict[str, list[str]]:
    return {code: [start.isoformat(), end.isoformat()] for code, (start, end) in dates.items()}


def _store(engagement_id: int, version: int, actor, reason: str, dates: Dates, phases) -> Plan:
    # timezone.now looked up at the call, as the journal's events do, not the field's default
    # (the function bound when the model was defined).
    plan = Plan.objects.create(
        engagement_id=engagement_id,
        version=version,
        made_by=actor,
        reason=reason,
        made_at=timezone.now(),
    )
    PlannedPhase.objects.bulk_create(
        PlannedPhase(plan=plan, phase=phase, starts_on=dates[phase.code][0], ends_on=end)
        for phase in phases
        for end in [dates[phase.code][1]]
    )
    return plan


def plan_baselines_owe(events, membership) -> None:
    """Listener: a new engagement gets its baseline at once, in its creation's transaction."""
    for event in events:
        if event.kind == EventKind.ENGAGEMENT_CREATED:
            plan_baseline(engagement=event.engagement, actor=event.actor)


@transaction.atomic(savepoint=False)
def plan_baseline(*, engagement: Engagement, actor) -> Plan:
    """The first plan (the baseline) from the start date and the typical durations; the caller
    holds the engagement's row (engagement_lock), as the creation's listeners do."""
    phases = list(Phase.objects.order_by("order"))
    dates = typical_dates(engagement.start_date, phases)
    plan = _store(engagement.pk, BASELINE_VERSION, actor, "", dates, phases)
    event_record(
        engagement_id=engagement.pk,
        engagement=engagement,
        actor=actor,
        kind=EventKind.PLAN_BASELINED,
        changes={"version": BASELINE_VERSION, "phases": _as_data(dates)},
    )
    return plan


def validate_dates(dates: Dates, phases: list[Phase]) -> None:
    """Every phase has a start and an end in the dates window, the end on or after the start,
    each phase starting no earlier than the one before it, the whole within PLAN_MAX_DAYS;
    errors keyed by `<code>_start` / `<code>_end`, as the form and the API name them."""
    errors: dict[str, list] = {}
    previous_start = None
    for phase in phases:
        start, end = dates.get(phase.code, (None, None))
        for name, value in ((f"{phase.code}_start", start), (f"{phase.code}_end", end)):
            if value is None:
                errors.setdefault(name, []).append(_("Give the phase a date."))
            else:
                try:
                    bounds.validate_date_in_window(value)
                except ValidationError as error:
                    errors.setdefault(name, []).extend(error.messages)
        if errors:
            continue
        if end < start:
            errors[f"{phase.code}_end"] = [_("A phase cannot end before it starts.")]
        elif previous_start and start < previous_start:
            errors[f"{phase.code}_start"] = [_("A phase cannot start before the phase before it.")]
        previous_start = start
    if not errors and phases:
        first, last = dates[phases[0].code][0], dates[phases[-1].code][1]
        if (last - first).days > bounds.PLAN_MAX_DAYS:
            errors[f"{phases[-1].code}_end"] = [
                _("A plan can span at most %(years)d years.")
                % {"years": bounds.PLAN_MAX_DAYS // 365}
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_change(*, engagement: Engagement, user, dates: Dates, reason: str) -> Plan:
    """Re-plan: the next version of the plan with the given dates for every phase and why;
    refused for whoever may not re-plan, without a reason, or when nothing changes."""
    access = engagement_access(engagement, user)
    if not access.can_change_plan:
        raise PermissionDenied(_("Your role on this engagement does not allow this."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the plan changes.")]})
    bounds.validate_fields({"reason": (reason, bounds.single_line(bounds.REASON_MAX_LENGTH))})
    phases = list(Phase.objects.order_by("order"))
    validate_dates(dates, phases)
    locked = engagement_lock(engagement.pk)
    current = (
        Plan.objects.filter(engagement_id=engagement.pk)
        .order_by("-version")
        .prefetch_related("phases__phase")
        .first()
    )
    before: Dates = {
        planned.phase.code: (planned.starts_on, planned.ends_on)
        for planned in (current.phases.all() if current else [])
    }
    changed = {code: span for code, span in dates.items() if before.get(code) != span}
    if not changed:
        raise ValidationError({NON_FIELD_ERRORS: _("The plan is unchanged: change a date first.")})
    version = current.version + 1 if current else BASELINE_VERSION
    if version > bounds.PLAN_MAX_VERSIONS:
        message = _("This engagement has been re-planned %(count)d times, the most it keeps.")
        raise ValidationError({NON_FIELD_ERRORS: message % {"count": bounds.PLAN_MAX_VERSIONS - 1}})
    plan = _store(engagement.pk, version, user, reason, dates, phases)
    event_record(
        engagement_id=engagement.pk,
        engagement=locked,
        actor=user,
        kind=EventKind.PLAN_CHANGED,
        reason=reason,
        changes={
            "version": version,
            "phases": {
                code: [_as_data({code: before[code]})[code] if code in before else None, new]
                for code, new in _as_data(changed).items()
            },
        },
    )
    engagement_changed(engagement_id=engagement.pk, engagement=locked)
    return plan
