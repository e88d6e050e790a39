"""The rules the plan adds to the status (engagements/status/rules.py reads them, sql.py holds
their SQL twins, tests/test_plan_risk.py holds the two to agree at the thresholds).

**Late** when the work will not make the plan:
- the forecast end (50% likely) is more than PLAN_SLIP_TOLERANCE_DAYS after the planned end;
- or, with no forecast, the planned end passed more than that many days ago with work open.

**At risk** (besides the status's own rules) when:
- the forecast end at 85% is more than the tolerance after the planned end (and the 50% is not);
- the current phase's gate has waited on a sign-off for more than GATE_SIGN_OFF_WAIT_DAYS days.
"""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagements.models import ForecastState
from engagements.planning.selectors import EngagementPlan
from fasttrack.formatting import format_date

ON_TRACK, AT_RISK, LATE = "on_track", "at_risk", "late"


def _days_after(days: int) -> str:
    return ngettext("%(days)d day after", "%(days)d days after", days) % {"days": days}


def late_reasons(plan: EngagementPlan) -> list[str]:
    """Why the engagement is late (empty if it is not)."""
    tolerance = settings.PLAN_SLIP_TOLERANCE_DAYS
    if plan.is_finished or plan.planned_end is None:
        return []
    if plan.has_forecast and plan.slip_days > tolerance:
        return [
            _(
                "forecast to finish by %(date)s (50%% likely), %(after)s the planned end, "
                "%(planned)s"
            )
            % {
                "date": format_date(plan.forecast_p50),
                "after": _days_after(plan.slip_days),
                "planned": format_date(plan.planned_end),
            }
        ]
    passed = (plan.today - plan.planned_end).days
    if passed > tolerance:
        return [
            ngettext(
                "the planned end, %(planned)s, passed %(days)d day ago with work still open",
                "the planned end, %(planned)s, passed %(days)d days ago with work still open",
                passed,
            )
            % {"planned": format_date(plan.planned_end), "days": passed}
        ]
    return []


def plan_risk_reasons(
    plan: EngagementPlan,
    *,
    waiting_since: datetime.datetime | None,
    waiting_label: str,
    phase_name: str,
    now: datetime.datetime,
) -> list[str]:
    """Why the plan puts the engagement at risk, short of late (empty if it does not)."""
    reasons = []
    tolerance = settings.PLAN_SLIP_TOLERANCE_DAYS
    if plan.has_forecast and plan.planned_end and not late_reasons(plan):
        slip = (plan.forecast_p85 - plan.planned_end).days
        if slip > tolerance:
            reasons.append(
                _("only 85%% likely by %(date)s, %(after)s the planned end, %(planned)s")
                % {
                    "date": format_date(plan.forecast_p85),
                    "after": _days_after(slip),
                    "planned": format_date(plan.planned_end),
                }
            )
    if waiting_since and now - waiting_since > sign_off_wait():
        days = (now - waiting_since).days
        reasons.append(
            ngettext(
                "%(phase)s has been %(waiting)s for %(days)d day",
                "%(phase)s has been %(waiting)s for %(days)d days",
                days,
            )
            % {"phase": phase_name, "waiting": waiting_label, "days": days}
        )
    return reasons


def sign_off_wait() -> datetime.timedelta:
    return datetime.timedelta(days=settings.GATE_SIGN_OFF_WAIT_DAYS)


# The SQL twins, over the stored status (engagements/models/stored_status.py).


def sql_late(today: datetime.date) -> Q:
    """The forecast end (50%) more than the tolerance after the planned end: today plus the
    days left past it, that is the day it stays on plan until before today less the tolerance;
    or no forecast and the planned end that long past."""
    limit = today - datetime.timedelta(days=settings.PLAN_SLIP_TOLERANCE_DAYS)
    return Q(status_on_plan_until_p50__lt=limit) | (
        Q(status_planned_end__lt=limit)
        & ~Q(status_forecast__in=[ForecastState.FINISHED, ForecastState.READY])
    )


def sql_forecast_at_risk(today: datetime.date) -> Q:
    """The forecast end at 85% more than the tolerance after the planned end, short of late."""
    limit = today - datetime.timedelta(days=settings.PLAN_SLIP_TOLERANCE_DAYS)
    return Q(status_on_plan_until_p85__lt=limit) & ~sql_late(today)


def sql_gate_waiting(now: datetime.datetime) -> Q:
    return Q(status_gate_waiting_since__lt=now - sign_off_wait())
