"""The portfolio: every engagement the caller may see, filtered and sorted as on the page."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound

from engagements.status.forms import PortfolioFilterForm
from engagements.status.portfolio import portfolio_rows_after
from engagements.status.rules import COMPLETED
from engagements.status.sorts import PORTFOLIO_SORTS
from responsibilities.models import Phase, Service

from ..pagination import Cursor, SortedRowsCursor
from ..serializers.engagements import EngagementSerializer
from .base import PortalAPIView, refuse_empty_filters

SORTS = [*PORTFOLIO_SORTS, *(f"-{name}" for name in PORTFOLIO_SORTS)]
PORTFOLIO_FILTERS = [
    OpenApiParameter(
        "q",
        description="Part of the customer's name: at most "
        f"{PortfolioFilterForm.base_fields['q'].max_length} characters; a NUL character in it "
        "is a 400.",
    ),
    OpenApiParameter(
        "phase",
        description="The current phase's code (an engagement's `phases` give them), or "
        f"`{COMPLETED}`; any other value is a 400.",
    ),
    OpenApiParameter("service", enum=Service.values),
    OpenApiParameter("at_risk", enum=["yes", "no"]),
    OpenApiParameter(
        "slip",
        enum=["late", "on_plan", "none"],
        description="The forecast end (50%) against the planned end: after it, on or before "
        "it, or no forecast (none yet, or finished).",
    ),
    OpenApiParameter(
        "planned_end_from",
        type=OpenApiTypes.DATE,
        description="Planned to end on or after this day (within the portal's date window).",
    ),
    OpenApiParameter(
        "planned_end_to",
        type=OpenApiTypes.DATE,
        description="Planned to end on or before this day (within the portal's date window).",
    ),
    OpenApiParameter(
        "sort", enum=SORTS, description="A column, `-` first for descending; by customer."
    ),
]


class Portfolio(PortalAPIView):
    serializer_class = EngagementSerializer
    pagination_class = SortedRowsCursor

    @extend_schema(parameters=PORTFOLIO_FILTERS, responses=EngagementSerializer(many=True))
    def get(self, request):
        # An empty search finds everything, as on the page.
        refuse_empty_filters(request.query_params, PORTFOLIO_FILTERS, but={"q"})
        phases = list(Phase.objects.order_by("order"))
        form = PortfolioFilterForm(request.query_params, phases=phases)
        # The page drops a filter it cannot read; a program is told instead.
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        sort = request.query_params.get("sort") or "customer"
        if sort not in SORTS:
            raise ValidationError(
                {"sort": _("Sort by one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)}}
            )
        after = self.paginator.after(request, sort)
        found = portfolio_rows_after(
            request.user,
            {**form.filters(), "sort": sort},
            timezone.now(),
            phases,
            after=after,
            size=self.paginator.get_page_size(request),
        )
        if found is None:  # gone from view, or a cursor made by hand
            raise NotFound(Cursor.invalid_cursor_message)
        page, more = found
        self.paginator.follow(request, sort, page[-1].engagement.pk if more else None)
        return self.paginator.get_paginated_response(self.get_serializer(page, many=True).data)
