"""Reads behind the portfolio: the engagements a user sees, filtered, sorted and paged, and the
counts of the summary charts."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from responsibilities.models import Phase

from ..access import visible_engagements
from ..status import COMPLETED, PARTIES, EngagementStatus
from .status import engagement_statuses

PORTFOLIO_PAGE_SIZE = 50
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)
_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)

# Sort keys for the portfolio's columns; ties fall back to the customer's name.
PORTFOLIO_SORTS = {
    "customer": lambda s, now: s.engagement.customer.lower(),
    "services": lambda s, now: ", ".join(s.engagement.services()),
    "phase": lambda s, now: s.current_phase.order if s.current_phase else 99,
    "customer_progress": lambda s, now: s.customer.percent,
    "microsoft_progress": lambda s, now: s.microsoft.percent,
    "overdue": lambda s, now: s.overdue,
    "next_checkpoint": lambda s, now: s.next_checkpoint.starts_at if s.next_checkpoint else _LATEST,
    "last_activity": lambda s, now: s.last_activity_at or _EARLIEST,
    "risk": lambda s, now: len(s.risk_reasons(now)),
}


@dataclass
class PortfolioRow:
    status: EngagementStatus
    risk_reasons: list[str]

    @property
    def engagement(self):
        return self.status.engagement


def _portfolio_base(user, filters: dict):
    engagements = visible_engagements(user)
    if filters.get("q"):
        engagements = engagements.filter(customer__icontains=filters["q"])
    if filters.get("service"):
        engagements = engagements.filter(**{filters["service"]: True})
    return engagements.order_by("customer", "pk")


def _keeps(row: PortfolioRow, filters: dict) -> bool:
    phase, at_risk = filters.get("phase"), filters.get("at_risk")
    current = row.status.current_phase
    if phase and (current.code if current else COMPLETED) != phase:
        return False
    return not (at_risk and (at_risk == "yes") != bool(row.risk_reasons))


def portfolio_rows(user, filters: dict, now: datetime.datetime) -> list[PortfolioRow]:
    """Every engagement the user may see that passes the filters, sorted (whole portfolio)."""
    engagements = list(_portfolio_base(user, filters))
    statuses = engagement_statuses(engagements, now)
    rows = [PortfolioRow(status=s, risk_reasons=s.risk_reasons(now)) for s in statuses.values()]
    rows = [row for row in rows if _keeps(row, filters)]
    sort = filters.get("sort") or "customer"
    key = PORTFOLIO_SORTS[sort.lstrip("-")]
    # Ties by name, then id: a total order, so the API's cursor can resume after any row.
    rows.sort(key=lambda row: (row.engagement.customer.lower(), row.engagement.pk))
    rows.sort(key=lambda row: key(row.status, now), reverse=sort.startswith("-"))
    return rows


def portfolio_page(user, filters: dict, page_number, now: datetime.datetime):
    """One page of the portfolio table.

    Sorted by customer with no filter on computed columns, the database pages the engagements
    and only that page's statuses are computed (four queries for the statuses, so the cost does
    not grow with the portfolio). Any other sort or filter needs every engagement's status first.
    """
    sort = filters.get("sort") or "customer"
    if sort.lstrip("-") == "customer" and not filters.get("phase") and not filters.get("at_risk"):
        engagements = _portfolio_base(user, filters)
        if sort.startswith("-"):
            engagements = engagements.reverse()
        page = Paginator(engagements, PORTFOLIO_PAGE_SIZE).get_page(page_number)
        statuses = engagement_statuses(list(page.object_list), now)
        page.object_list = [
            PortfolioRow(status=s, risk_reasons=s.risk_reasons(now)) for s in statuses.values()
        ]
        return page
    rows = portfolio_rows(user, filters, now)
    return Paginator(rows, PORTFOLIO_PAGE_SIZE).get_page(page_number)


@dataclass
class PortfolioSummary:
    per_phase: list[tuple[str, int]]
    on_track: int
    at_risk: int
    overdue_by_party: dict[str, int]
    waiting_by_phase: list[tuple[str, dict[str, int]]]


def portfolio_summary(rows: list[PortfolioRow]) -> PortfolioSummary:
    """Counts over the whole (filtered) portfolio, for the summary charts."""
    phases = rows[0].status.phases if rows else list(Phase.objects.order_by("order"))
    per_phase = {phase.code: 0 for phase in phases} | {COMPLETED: 0}
    waiting = {phase.code: {"customer": 0, "microsoft": 0, "both": 0} for phase in phases}
    overdue = dict.fromkeys(PARTIES, 0)
    for row in rows:
        current = row.status.current_phase
        per_phase[current.code if current else COMPLETED] += 1
        if current:
            waiting[current.code][row.status.waiting_on()] += 1
        for party, count in row.status.overdue_by_party.items():
            overdue[party] += count
    names = {phase.code: phase.name for phase in phases} | {COMPLETED: _("Completed")}
    at_risk = sum(1 for row in rows if row.risk_reasons)
    return PortfolioSummary(
        per_phase=[(names[code], count) for code, count in per_phase.items()],
        on_track=len(rows) - at_risk,
        at_risk=at_risk,
        overdue_by_party=overdue,
        waiting_by_phase=[(names[code], counts) for code, counts in waiting.items()],
    )
