"""Short sorted lists the database searches: the stored status keeps each party's open due dates
and the engagement's checkpoint times this way, so "how many are overdue today" and "which
checkpoint is next" are answered in SQL from stored dates, for every engagement in one query.

On PostgreSQL a list is an array, binary-searched with `width_bucket` (the number of elements
at most a value); on SQLite, JSON text searched with `json_each`. The writer keeps each list
sorted (parallel lists follow the order of the one they go with).
"""

import datetime
import json

from django.db import NotSupportedError, models
from django.db.models import F, Func


def _utc_text(moment: datetime.datetime) -> str:
    # The text Django's SQLite backend gives a moment (UTC, no zone, fraction only when there
    # is one): text order is then time order, also against the values Django compares with.
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")


class _ListField(models.Field):
    array_type = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        return f"{self.array_type}[]" if connection.vendor == "postgresql" else "text"

    def to_text(self, value):
        return value

    def from_text(self, value):
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or connection.vendor == "postgresql":
            return value
        return json.dumps([self.to_text(item) for item in value])

    def from_db_value(self, value, expression, connection):
        if value is None or connection.vendor == "postgresql":
            return value
        return [self.from_text(item) for item in json.loads(value)]


class DateListField(_ListField):
    """A sorted list of dates."""

    array_type = "date"

    def to_text(self, value):
        return value.isoformat()

    def from_text(self, value):
        return datetime.date.fromisoformat(value)


class DateTimeListField(_ListField):
    """A sorted list of moments (kept in UTC)."""

    array_type = "timestamp with time zone"

    def to_text(self, value):
        return _utc_text(value)

    def from_text(self, value):
        return datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC)


class BooleanListField(_ListField):
    """A list of yes/no flags, parallel to another list."""

    array_type = "boolean"


class _ListFunction(Func):
    """A search of stored lists against a value given by the query (today, now)."""

    postgresql = sqlite = ""

    def __init__(self, *list_names: str, value, output_field):
        super().__init__(*(F(name) for name in list_names), output_field=output_field)
        self.value = value

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("Stored status lists need PostgreSQL or SQLite.")

    def _compile(self, compiler, template: str, value):
        columns = []
        for expression in self.source_expressions:
            sql, params = compiler.compile(expression)
            if params:
                raise ValueError("list functions take columns")
            columns.append(sql)
        return template.format(*columns), [value]

    def as_postgresql(self, compiler, connection, **extra_context):
        return self._compile(compiler, self.postgresql, self.value)

    def as_sqlite(self, compiler, connection, **extra_context):
        value = self.value
        if isinstance(value, datetime.datetime):
            value = _utc_text(value)
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        return self._compile(compiler, self.sqlite, value)


class CountAtMost(_ListFunction):
    """How many elements of a sorted date list are on or before `value`."""

    postgresql = "width_bucket(%s::date, {0})"
    sqlite = "(SELECT COUNT(*) FROM json_each({0}) AS item WHERE item.value <= %s)"

    def __init__(self, list_name: str, value: datetime.date):
        super().__init__(list_name, value=value, output_field=models.IntegerField())


class FirstAfter(_ListFunction):
    """The first element of a sorted list of moments that is later than `value` (or NULL)."""

    postgresql = "({0})[width_bucket(%s::timestamptz, {0}) + 1]"
    sqlite = "(SELECT MIN(item.value) FROM json_each({0}) AS item WHERE item.value > %s)"

    def __init__(self, list_name: str, value: datetime.datetime):
        super().__init__(list_name, value=value, output_field=models.DateTimeField())


class FlagOfFirstAfter(_ListFunction):
    """The flag that goes with the first moment later than `value` (NULL when none is)."""

    postgresql = "({0})[width_bucket(%s::timestamptz, {1}) + 1]"
    sqlite = (
        "json_extract({0}, '$[' || "
        "(SELECT COUNT(*) FROM json_each({1}) AS item WHERE item.value <= %s) || ']')"
    )

    def __init__(self, flags_name: str, moments_name: str, value: datetime.datetime):
        super().__init__(flags_name, moments_name, value=value, output_field=models.BooleanField())
