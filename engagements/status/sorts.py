"""How the portfolio sorts: each column's key as of now, where an engagement without one goes,
and the keyset keys a sort names (ties by customer, then id): what the portfolio's pages, its
filter form and the API's sorts read."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Value
from django.db.models.functions import Coalesce

from engagements.models.engagements import (
    NO_ACTIVITY,
    NO_SLIP_HIGH,
    NO_SLIP_LOW,
    services_rank,
)
from engagements.selectors.keyset import Key
from engagements.status.sql import next_checkpoint_at, risk_count


@dataclass(frozen=True)
class Sort:
    """How a column sorts: its key as of `now`; where an engagement without a key goes when
    the column sorts up ("first" or "last"); and whether the key falls as the column's value
    grows (the earliest open due date is the most overdue). Ties go by customer."""

    key: Callable
    empty: str | None = None
    inverted: bool = False
    # An engagement without a key goes last whichever way the column sorts: its key is read
    # as the first value (sorting down) or the last (up), which an expression index holds.
    empty_last: tuple = ()
    # No index holds its order either way: the page sorts every engagement the reader sees.
    scans: bool = False


# By customer, overdue, the least progressed first, planned end, slip, last activity and
# services, the page reads an index (engagements/models/engagements.py); the others (the most
# progressed first, phase, risk, next checkpoint) sort every engagement the user sees (risk and
# the next checkpoint depend on now, so no index can hold them).
PORTFOLIO_SORTS = {
    "customer": Sort(lambda now: F("customer")),
    "services": Sort(lambda now: services_rank()),
    "phase": Sort(lambda now: Coalesce("status_current_phase__order", 99), scans=True),
    "customer_progress": Sort(lambda now: F("status_customer_percent")),
    "microsoft_progress": Sort(lambda now: F("status_microsoft_percent")),
    "overdue": Sort(lambda now: F("status_first_due"), empty="first", inverted=True),
    "next_checkpoint": Sort(lambda now: next_checkpoint_at(now), empty="last", scans=True),
    "last_activity": Sort(lambda now: Coalesce("status_last_activity_at", Value(NO_ACTIVITY))),
    "risk": Sort(lambda now: risk_count(now), scans=True),
    # No plan: last sorting up, first sorting down, as its indexes hold them.
    "planned_end": Sort(lambda now: F("status_planned_end"), empty="last"),
    # Forecast end minus planned end is today minus the last day the forecast still ends on
    # plan: the most ahead first sorts that day down. No forecast (none yet, or finished) last.
    "slip": Sort(
        lambda now: F("status_on_plan_until_p50"),
        inverted=True,
        empty_last=(NO_SLIP_LOW, NO_SLIP_HIGH),
    ),
}


def portfolio_keys(sort: str, now) -> list[Key]:
    """The order a sort names, as keyset keys: the column, then customer and id for ties."""
    name, descending = sort.lstrip("-"), sort.startswith("-")
    if name == "customer":
        return [Key("customer", descending), Key("pk", descending)]
    column = PORTFOLIO_SORTS[name]
    descending = descending != column.inverted
    if column.empty_last:
        low, high = column.empty_last
        expression = Coalesce(column.key(now), Value(low if descending else high))
        return [Key(expression, descending), Key("customer"), Key("pk")]
    nulls_last = None
    if column.empty:
        nulls_last = (column.empty == "last") != (descending != column.inverted)
    return [
        Key(column.key(now), descending, nulls_last),
        Key("customer"),
        Key("pk"),
    ]
