"""Cursor pagination: a page follows the last row seen, not a count of rows, so rows inserted
or removed meanwhile neither repeat nor skip one. Two kinds: DRF's, over a queryset in a
unique order, and one over the portfolio's rows, which the database sorts by expressions a
cursor cannot hold (engagements.status.portfolio)."""

import base64
import json

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def page_address_schema(which: str) -> dict:
    """`next` or `previous` as answered: an absolute address (DRF builds it from the request),
    which a generated client cannot call as an operation, hence how to follow it."""
    return {
        "type": "string",
        "nullable": True,
        "format": "uri",
        "description": f"The absolute address of the {which} page, null when there is none. "
        "Follow it as given, or pass its `cursor` query parameter to this operation as "
        "`cursor` (with the same filters and `page_size`).",
    }


class Cursor(pagination.CursorPagination):
    """DRF's cursor pagination in the order the view names (`cursor_ordering`)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = _("This cursor is not valid: follow the `next` link as given.")

    def get_ordering(self, request, queryset, view):
        return view.cursor_ordering

    def get_page_size(self, request):
        # DRF falls back to the default on a size it cannot read; a program is told instead.
        size = request.query_params.get(self.page_size_query_param)
        if size is None:
            return self.page_size
        if not size.isdigit() or not 1 <= int(size) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: _("Give a whole number of rows from 1 to %(most)d.")
                    % {"most": self.max_page_size}
                }
            )
        return int(size)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": page_address_schema("next"),
                "previous": page_address_schema("previous"),
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Rows per page (default {self.page_size})."
        return parameters


class SortedRowsCursor(pagination.BasePagination):
    """Pages over rows the database sorts by expressions (the portfolio's): the cursor holds
    the sort and the last row's id, and the database reads the rows after that row as the
    order now stands (engagements/selectors/keyset.py)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def after(self, request, sort: str) -> int | None:
        """The id of the row the cursor names, None without one."""
        self.request = request
        place = self._decode(request.query_params.get(self.cursor_query_param), sort)
        if place is None:
            return None
        if not isinstance(place[0], int) or isinstance(place[0], bool):
            raise exceptions.NotFound(Cursor.invalid_cursor_message)
        return place[0]

    def get_page_size(self, request) -> int:
        return Cursor().get_page_size(request)

    def follow(self, request, sort: str, last_id: int | None) -> None:
        """The next page starts after `last_id` (none when it is None)."""
        self.request = request
        self.next_cursor = None if last_id is None else self._encode(sort, [last_id])

    def _encode(self, sort: str, place: list) -> str:
        return base64.urlsafe_b64encode(json.dumps([sort, place]).encode()).decode()

    def _decode(self, cursor: str | None, sort: str):
        if cursor is None:
            return None
        try:
            cursor_sort, place = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        except (ValueError, TypeError):
            raise exceptions.NotFound(Cursor.invalid_cursor_message) from None
        if cursor_sort != sort or not isinstance(place, list) or not place:
            raise exceptions.NotFound(Cursor.invalid_cursor_message)
        return place

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": page_address_schema("next"),
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return Cursor().get_schema_operation_parameters(view)
