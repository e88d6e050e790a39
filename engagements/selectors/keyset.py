"""Keyset paging: a page is "the rows after this one" in the list's order, found by the
database from the anchor row's keys, so the hundredth page reads what the first does (OFFSET
would read and drop every row before it). The last page is the first page of the reversed
order. A page knows where it is from the link that led to it (its first row's number) and the
list's count, so the pager still says "rows 201-250 of 1,000".

The anchor's keys are read by a subquery in the page's own query (no query of its own), as the
order stands now: a key that depends on today (risk, the next checkpoint) is the anchor's today.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q, Subquery
from django.http import QueryDict

PAGE_SIZE = 50


@dataclass(frozen=True)
class Key:
    """One column of an order: an expression (or a field's name), its direction, and where its
    empty values go (`nulls_last` True or False; None for a key that is never empty)."""

    expression: Any
    descending: bool = False
    nulls_last: bool | None = None

    def resolved(self):
        return F(self.expression) if isinstance(self.expression, str) else self.expression

    def reversed(self) -> "Key":
        nulls = None if self.nulls_last is None else not self.nulls_last
        return Key(self.expression, not self.descending, nulls)


class RowAfter(Expression):
    """`(a, b, c) > (x, y, z)` (or `<`): one comparison an index on (a, b, c) starts a scan
    from, which the same rule spelt as ORs is not."""

    output_field = BooleanField()

    def __init__(self, left: list, right: list, descending: bool, or_equal: bool = False):
        super().__init__()
        self.left, self.right = left, right
        self.operator = ("<" if descending else ">") + ("=" if or_equal else "")

    def get_source_expressions(self):
        return [*self.left, *self.right]

    def set_source_expressions(self, expressions):
        self.left, self.right = expressions[: len(self.left)], expressions[len(self.left) :]

    def as_sql(self, compiler, connection):
        sides, params = [], []
        for side in (self.left, self.right):
            parts = []
            for expression in side:
                sql, part_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(part_params)
            sides.append(f"({', '.join(parts)})")
        return f"{sides[0]} {self.operator} {sides[1]}", params


def _strictly_after(key: Key, value: str, anchor: str) -> Q:
    comparison = Q(**{f"{value}__{'lt' if key.descending else 'gt'}": F(anchor)})
    if key.nulls_last is True:  # an empty value comes after every value
        return comparison | Q(**{f"{value}__isnull": True, f"{anchor}__isnull": False})
    if key.nulls_last is False:  # before every value
        return comparison | Q(**{f"{value}__isnull": False, f"{anchor}__isnull": True})
    return comparison


def _equal(key: Key, value: str, anchor: str) -> Q:
    same = Q(**{value: F(anchor)})
    if key.nulls_last is None:
        return same
    return same | Q(**{f"{value}__isnull": True, f"{anchor}__isnull": True})


def rows_from(queryset, keys: list[Key], anchor_pk: int, *, including: bool):
    """The queryset's rows after the anchor (and the anchor itself if `including`), in the
    keys' order. The last key must be unique (the primary key)."""
    anchor_row = queryset.model.objects.filter(pk=anchor_pk)
    names = {}
    for index, key in enumerate(keys):
        value, anchor = f"keyset_value_{index}", f"keyset_anchor_{index}"
        names[value] = key.resolved()
        names[anchor] = Subquery(
            anchor_row.annotate(keyset_value=key.resolved()).values("keyset_value")[:1]
        )
    queryset = queryset.alias(**names)
    # Lexicographic "after", from the last key back: after on this key, or equal and after
    # on the rest.
    rule = Q(pk=F(f"keyset_anchor_{len(keys) - 1}")) if including else None
    for index in reversed(range(len(keys))):
        value, anchor = f"keyset_value_{index}", f"keyset_anchor_{index}"
        after = _strictly_after(keys[index], value, anchor)
        rule = after if rule is None else after | (_equal(keys[index], value, anchor) & rule)
    # The leading keys that share a direction and are never empty, as one row comparison: the
    # index scan then starts at the anchor instead of walking every row before it.
    prefix = []
    for index, key in enumerate(keys):
        if key.nulls_last is not None or key.descending != keys[0].descending:
            break
        prefix.append(index)
    if prefix:
        bound = RowAfter(
            [F(f"keyset_value_{index}") for index in prefix],
            [F(f"keyset_anchor_{index}") for index in prefix],
            keys[0].descending,
            or_equal=True,
        )
        queryset = queryset.filter(bound)
    return queryset.filter(rule).order_by(*ordering(keys))


@dataclass(frozen=True)
class Narrowing:
    """Every row the list could hold, whoever reads it, and how many of them at most the
    reader may not see. The reader's first n rows (after an anchor) are then among the first
    n + unseen of these: a sort of every row that keeps only those, then a check of which the
    reader may see, instead of joining every row to what the reader may see before sorting."""

    rows: Any
    unseen: int


def first_rows(
    queryset, keys: list[Key], count: int, *, after=None, including=False, narrowing=None
) -> list:
    """The queryset's first `count` rows in the keys' order (from the row `after`, if given,
    as `rows_from` reads it); with a narrowing, found among its first rows (the queryset must
    then yield primary keys)."""

    def ordered(rows):
        if after is None:
            return rows.order_by(*ordering(keys))
        return rows_from(rows, keys, after, including=including)

    if narrowing is not None:
        leading = ordered(narrowing.rows).values("pk")[: count + narrowing.unseen]
        seen = Exists(queryset.filter(pk=OuterRef("pk")))
        # The few leading rows sorted again and checked: with the limit outside the check,
        # the planner checked every row at once (a hashed subplan joining them all).
        candidates = list(
            ordered(narrowing.rows.filter(pk__in=leading))
            .annotate(seen=seen)
            .values_list("pk", "seen")
        )
        found = [pk for pk, shown in candidates if shown][:count]
        # Short of `count` while more candidates were there to read: more rows were unseen
        # than counted (a membership removed since it was counted). Read again without.
        if len(found) == count or len(candidates) < count + narrowing.unseen:
            return found
    return list(ordered(queryset)[:count])


def ordering(keys: list[Key]) -> list:
    """The keys as order_by() takes them."""
    orders = []
    for key in keys:
        nulls = {}
        if key.nulls_last is not None:
            nulls = {"nulls_last": True} if key.nulls_last else {"nulls_first": True}
        expression = key.resolved()
        orders.append(expression.desc(**nulls) if key.descending else expression.asc(**nulls))
    return orders


@dataclass
class KeysetPage:
    """A page of rows with where it stands: its first row's number, the count, and the links
    to the first, previous, next and last pages (query strings, filters kept)."""

    object_list: list
    start: int
    count: int
    query: QueryDict
    size: int
    first_pk: int | None = None
    last_pk: int | None = None
    more_after: bool = False
    links: dict = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.start + len(self.object_list) - 1

    def has_previous(self) -> bool:
        return self.start > 1

    def has_next(self) -> bool:
        return self.more_after

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def _link(self, **params) -> str:
        query = self.query.copy()
        for name in PARAMETERS:
            query.pop(name, None)
        for name, value in params.items():
            query[name] = str(value)
        return query.urlencode()

    def first_link(self) -> str:
        return self._link()

    def previous_link(self) -> str:
        return self._link(before=self.first_pk, start=max(1, self.start - self.size))

    def next_link(self) -> str:
        return self._link(after=self.last_pk, start=self.end + 1)

    def last_link(self) -> str:
        return self._link(last=1)


PARAMETERS = ("after", "before", "start", "last", "page")


def _whole(text) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 18 else None


def keyset_page(
    queryset,
    keys: list[Key],
    params: QueryDict,
    size: int,
    *,
    identity=None,
    count_all=None,
    narrowing: Narrowing | None = None,
):
    """The page the link's parameters ask for (`after` or `before` a row, or the `last`),
    first page for anything else; `identity(row)` gives a row's primary key (the row itself if
    the queryset yields keys); `count_all()`, when given, must return what `queryset.count()`
    would, by a cheaper way; the rows are found within the `narrowing`, when given. Two
    queries, one when the first page holds everything."""
    identity = identity or (lambda row: row)
    count_all = count_all or queryset.count
    after, before = _whole(params.get("after")), _whole(params.get("before"))
    start = _whole(params.get("start")) or 1
    count = None
    if params.get("last") == "1":
        count = count_all()
        size_of_last = count - (max(count - 1, 0) // size) * size
        reverse = [key.reversed() for key in keys]
        rows = first_rows(queryset, reverse, size_of_last, narrowing=narrowing)[::-1]
        start, more_after = count - len(rows) + 1, False
    elif before is not None or after is not None:
        backwards = before is not None
        order = [key.reversed() for key in keys] if backwards else keys
        anchor = before if backwards else after
        found = first_rows(queryset, order, size + 1, after=anchor, narrowing=narrowing)
        if not found:  # the row the link names is gone: the list from its start
            fresh = params.copy()
            for name in PARAMETERS:
                fresh.pop(name, None)
            return keyset_page(
                queryset,
                keys,
                fresh,
                size,
                identity=identity,
                count_all=count_all,
                narrowing=narrowing,
            )
        if backwards:
            rows, more_after = found[:size][::-1], True
            # No row before this page's: it is the first page, whatever the link said.
            start = start if len(found) > size else 1
        else:
            rows, more_after = found[:size], len(found) > size
    else:
        found = first_rows(queryset, keys, size + 1, narrowing=narrowing)
        rows, more_after, start = found[:size], len(found) > size, 1
        if not more_after:
            count = len(rows)  # a list on one page is counted by it
    if count is None:
        count = count_all()
    start = min(start, max(count - len(rows) + 1, 1))
    return KeysetPage(
        object_list=rows,
        start=start if rows else 0,
        count=count,
        query=params,
        size=size,
        first_pk=identity(rows[0]) if rows else None,
        last_pk=identity(rows[-1]) if rows else None,
        more_after=more_after,
    )
