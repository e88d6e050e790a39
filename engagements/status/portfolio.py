"""Reads behind the portfolio: the engagements a user sees, filtered, sorted and paged by the
database from the stored status (engagements/models/stored_status.py, status/sql.py), and the
summary's counts in one grouped query. No view loads every engagement into Python: a page
costs the same queries at any size, and the CSV streams rows as the database yields them."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from django.db.models import (
    Count,
    DateTimeField,
    JSONField,
    Max,
    Min,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access import (
    sees_every_engagement,
    visible_engagement_count,
    visible_engagements,
)
from engagements.models import Checkpoint, Engagement
from engagements.planning.selectors import EngagementPlan, engagement_plan
from engagements.selectors.keyset import (
    PAGE_SIZE,
    KeysetPage,
    Narrowing,
    first_rows,
    keyset_page,
    ordering,
)
from engagements.status.rules import COMPLETED, EngagementStatus
from engagements.status.selectors import status_from_stored
from engagements.status.sorts import PORTFOLIO_SORTS, portfolio_keys
from engagements.status.sql import at_risk, next_checkpoint_at, on_track, overdue
from responsibilities.models import PARTIES, Phase

PORTFOLIO_PAGE_SIZE = PAGE_SIZE

# A reader who may not see at most this many engagements has the pages sorted by a key no
# index holds found among every engagement's first rows (portfolio_narrowing): a sort that
# keeps the first fifty plus this many is still a small one.
NARROWED_UNSEEN_AT_MOST = 1_000

# The CSV's rows come from the database this many at a time (a server-side cursor on
# PostgreSQL), so a worker's memory does not grow with the portfolio.
CSV_CHUNK = 500


def _filtered(user, filters: dict, now):
    return _filter(visible_engagements(user), filters, now)


def _filter(engagements, filters: dict, now):
    if filters.get("q"):
        engagements = engagements.filter(customer__icontains=filters["q"])
    if filters.get("service"):
        engagements = engagements.filter(**{filters["service"]: True})
    if filters.get("phase") == COMPLETED:
        engagements = engagements.filter(status_current_phase__isnull=True)
    elif filters.get("phase"):
        # The phase's id as a scalar subquery, not a join: the database then walks the page's
        # order and keeps the engagements in that phase, instead of joining every one first.
        phase = Phase.objects.filter(code=filters["phase"]).values("pk")
        engagements = engagements.filter(status_current_phase=Subquery(phase))
    today = timezone.localdate(now)
    slip = filters.get("slip")
    if slip == "late":
        engagements = engagements.filter(status_on_plan_until_p50__lt=today)
    elif slip == "on_plan":
        engagements = engagements.filter(status_on_plan_until_p50__gte=today)
    elif slip == "none":
        engagements = engagements.filter(status_on_plan_until_p50__isnull=True)
    if filters.get("planned_end_from"):
        engagements = engagements.filter(status_planned_end__gte=filters["planned_end_from"])
    if filters.get("planned_end_to"):
        engagements = engagements.filter(status_planned_end__lte=filters["planned_end_to"])
    if filters.get("at_risk") == "yes":
        engagements = engagements.filter(at_risk(now))
    elif filters.get("at_risk") == "no":
        engagements = engagements.filter(on_track(now))
    return engagements


def with_next_checkpoint(engagements, now):
    """Each engagement's next checkpoint as a small JSON object, by a subquery per row shown."""
    upcoming = Checkpoint.objects.filter(
        engagement=OuterRef("pk"), cancelled_at__isnull=True, starts_at__gt=now
    ).order_by("starts_at", "pk")
    fields = JSONObject(pk="pk", title="title", phase_id="phase_id")
    return engagements.annotate(
        next_checkpoint=Subquery(upcoming.values(json=fields)[:1], output_field=JSONField()),
        next_checkpoint_at=next_checkpoint_at(now),
        next_checkpoint_ends_at=Subquery(
            upcoming.values("ends_at")[:1], output_field=DateTimeField()
        ),
    )


def portfolio_queryset(user, filters: dict, now):
    """The engagements the user may see that pass the filters, in the asked order, each with
    what its row shows."""
    engagements = _filtered(user, filters, now)
    return with_next_checkpoint(engagements, now).order_by(
        *ordering(portfolio_keys(filters.get("sort") or "customer", now))
    )


@dataclass
class PortfolioRow:
    status: EngagementStatus
    risk_reasons: list[str]
    # engagements.planning.risk: LATE, AT_RISK or ON_TRACK
    level: str

    @property
    def engagement(self):
        return self.status.engagement

    @property
    def plan(self) -> EngagementPlan:
        """Its plan and forecast, from the stored status the row was read with (no query)."""
        return engagement_plan(self.engagement, self.status.phases, self.status.today)


def portfolio_row(engagement, phases, now) -> PortfolioRow:
    """A row of the portfolio from an engagement of `portfolio_queryset`."""
    status = status_from_stored(engagement, phases, timezone.localdate(now))
    if engagement.next_checkpoint:
        status.next_checkpoint = Checkpoint(
            engagement=engagement,
            starts_at=engagement.next_checkpoint_at,
            ends_at=engagement.next_checkpoint_ends_at,
            **engagement.next_checkpoint,
        )
    return PortfolioRow(
        status=status, risk_reasons=status.risk_reasons(now), level=status.level(now)
    )


def portfolio_narrowing(user, filters: dict, now) -> tuple[int | None, Narrowing | None]:
    """In an order no index holds, for a reader who does not see every engagement: how many
    they see, and, when they see most engagements and may not see at most
    NARROWED_UNSEEN_AT_MOST, the filtered portfolio as everyone sees it, which the page's ids
    are then found in (keyset.Narrowing) where the database joined every engagement to the
    reader's memberships before sorting. Two queries: the reader's count, and the span of the
    engagements' ids, which no fewer engagements than all fill (ids are unique), so the unseen
    are not undercounted (and if a membership goes in between, keyset.first_rows reads again).
    (None, None) and no query for anyone else or another order."""
    sort = PORTFOLIO_SORTS[(filters.get("sort") or "customer").lstrip("-")]
    if not sort.scans or sees_every_engagement(user):
        return None, None
    visible = visible_engagement_count(user)
    span = Engagement.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if span["first"] is None:
        return visible, None
    unseen = span["last"] - span["first"] + 1 - visible
    # A reader of few sorts only theirs when joined: every engagement would be more.
    if unseen > min(visible, NARROWED_UNSEEN_AT_MOST):
        return visible, None
    return visible, Narrowing(_filter(Engagement.objects.all(), filters, now), unseen)


def portfolio_page_ids(user, filters: dict, params, now: datetime.datetime) -> KeysetPage:
    """The ids of the page of the portfolio the link names (keyset) and the count the pager
    shows: the database sorts and pages the ids alone (from an index for the common orders)
    and counts them unless the first page holds everything. Two queries, one when the first
    page holds everything; one or two more in an order no index holds, for a reader who does
    not see every engagement (`portfolio_narrowing`)."""
    keys = portfolio_keys(filters.get("sort") or "customer", now)
    ids = _filtered(user, filters, now).values_list("pk", flat=True)
    visible, narrowing = portfolio_narrowing(user, filters, now)
    # Only the whole portfolio is counted from the reader's memberships. `filters` holds only
    # the filters set (PortfolioFilterForm.filters drops empty ones) and the sort.
    if any(value for name, value in filters.items() if name != "sort"):
        count_all = None
    elif visible is None:
        count_all = partial(visible_engagement_count, user)
    else:

        def count_all():
            return visible

    return keyset_page(
        ids, keys, params, PORTFOLIO_PAGE_SIZE, count_all=count_all, narrowing=narrowing
    )


def portfolio_page(user, filters: dict, params, now: datetime.datetime, phases) -> KeysetPage:
    """One page of the portfolio table (and matrix), after the row the link names: its ids
    and count (`portfolio_page_ids`), then its fifty rows; three queries for any page at any
    size, two when one page holds everything (and the narrowing's, `portfolio_narrowing`)."""
    page = portfolio_page_ids(user, filters, params, now)
    shown = with_next_checkpoint(Engagement.objects.filter(pk__in=page.object_list), now)
    engagements = {engagement.pk: engagement for engagement in shown}
    page.object_list = [portfolio_row(engagements[pk], phases, now) for pk in page.object_list]
    return page


def portfolio_ids_after(
    user, filters: dict, now: datetime.datetime, *, after: int | None, size: int
) -> list[int] | None:
    """The ids of up to `size` + 1 engagements of the filtered portfolio after the engagement
    `after` (from the first without one), in order; None when `after` is no longer among
    them. One query, which sorts ids alone (from an index for the common orders), after the
    narrowing's (`portfolio_narrowing`)."""
    keys = portfolio_keys(filters.get("sort") or "customer", now)
    ids = _filtered(user, filters, now).values_list("pk", flat=True)
    _visible, narrowing = portfolio_narrowing(user, filters, now)
    if after is None:
        return first_rows(ids, keys, size + 1, narrowing=narrowing)
    # The anchor itself comes first if it is still there: how a gone one is told.
    found = first_rows(ids, keys, size + 2, after=after, including=True, narrowing=narrowing)
    if not found or found[0] != after:
        return None
    return found[1:]


def portfolio_rows_after(
    user, filters: dict, now: datetime.datetime, phases, *, after: int | None, size: int
) -> tuple[list[PortfolioRow], bool] | None:
    """Up to `size` rows of the filtered portfolio after the engagement `after`, and whether
    more follow; None when `after` is no longer among them. Two queries for any page at any
    size (and the narrowing's): its ids (`portfolio_ids_after`), then its rows. In one query
    the database carried every engagement's whole row and next checkpoint through a sort by a
    key computed now: at 100,000, by risk, 237 ms where the two take 79 (291 and 115 for a
    member of each)."""
    ids = portfolio_ids_after(user, filters, now, after=after, size=size)
    if ids is None:
        return None
    shown = with_next_checkpoint(Engagement.objects.filter(pk__in=ids[:size]), now)
    engagements = {engagement.pk: engagement for engagement in shown}
    rows = [portfolio_row(engagements[pk], phases, now) for pk in ids[:size] if pk in engagements]
    return rows, len(ids) > size


def portfolio_rows(user, filters: dict, now: datetime.datetime, phases) -> Iterator[PortfolioRow]:
    """Every row of the filtered portfolio, in order, as the database yields them (what the
    user may see is decided now; the rows are read as the iterator is)."""
    engagements = portfolio_queryset(user, filters, now).iterator(chunk_size=CSV_CHUNK)
    return (portfolio_row(engagement, phases, now) for engagement in engagements)


@dataclass
class PortfolioSummary:
    per_phase: list[tuple[str, int]]
    on_track: int
    at_risk: int
    overdue_by_party: dict[str, int]
    waiting_by_phase: list[tuple[str, dict[str, int]]]


def portfolio_summary_groups(user, filters: dict, now: datetime.datetime):
    """The summary's one grouped query: per current phase and whom it waits on, how many
    engagements, how many at risk, and each party's overdue tasks."""
    today = timezone.localdate(now)
    return (
        _filtered(user, filters, now)
        .order_by()
        .values("status_current_phase_id", "status_waiting_on")
        .annotate(
            engagements=Count("pk"),
            at_risk=Count("pk", filter=at_risk(now)),
            **{f"overdue_{party}": Sum(overdue(party, today)) for party in PARTIES},
        )
    )


def portfolio_summary(user, filters: dict, now: datetime.datetime, phases) -> PortfolioSummary:
    """Counts over the whole (filtered) portfolio, for the summary charts: one grouped query."""
    groups = portfolio_summary_groups(user, filters, now)
    code_of = {phase.pk: phase.code for phase in phases}
    per_phase = {phase.code: 0 for phase in phases} | {COMPLETED: 0}
    waiting = {phase.code: {"customer": 0, "microsoft": 0, "both": 0} for phase in phases}
    overdue_by_party, risky, total = dict.fromkeys(PARTIES, 0), 0, 0
    for group in groups:
        code = code_of.get(group["status_current_phase_id"], COMPLETED)
        per_phase[code] += group["engagements"]
        if code != COMPLETED:
            waiting[code][group["status_waiting_on"]] += group["engagements"]
        for party in PARTIES:
            overdue_by_party[party] += group[f"overdue_{party}"] or 0
        risky += group["at_risk"]
        total += group["engagements"]
    names = {phase.code: phase.name for phase in phases} | {COMPLETED: _("Completed")}
    return PortfolioSummary(
        per_phase=[(names[code], count) for code, count in per_phase.items()],
        on_track=total - risky,
        at_risk=risky,
        overdue_by_party=overdue_by_party,
        waiting_by_phase=[(names[code], counts) for code, counts in waiting.items()],
    )
