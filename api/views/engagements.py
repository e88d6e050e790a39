"""Engagements with their status, their members and their audit trail: reads only."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from engagements.access import get_engagement_for_user, visible_engagements
from engagements.activity.selectors import engagement_audit_events
from engagements.selectors.engagements import engagement_memberships
from engagements.status.portfolio import PortfolioRow
from engagements.status.selectors import engagement_statuses

from ..serializers.engagements import (
    EngagementDetailSerializer,
    EngagementSerializer,
    EventSerializer,
    MemberSerializer,
)
from .base import PortalAPIView


def portfolio_rows_of(engagements, now) -> list[PortfolioRow]:
    """Each engagement with its status, as the portfolio computes them (five queries)."""
    statuses = engagement_statuses(list(engagements), now)
    return [
        PortfolioRow(status=s, risk_reasons=s.risk_reasons(now), level=s.level(now))
        for s in statuses.values()
    ]


class EngagementList(PortalAPIView):
    """The engagements the caller may see, oldest first, each with its status."""

    serializer_class = EngagementSerializer
    cursor_ordering = ("pk",)

    def get_queryset(self):
        return visible_engagements(self.request.user)

    @extend_schema(responses=EngagementSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = portfolio_rows_of(page, timezone.now())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class EngagementDetail(PortalAPIView):
    serializer_class = EngagementDetailSerializer

    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        (row,) = portfolio_rows_of([access.engagement], timezone.now())
        return Response(self.get_serializer(row).data)


class MemberList(PortalAPIView):
    """Who is on the engagement, in the order they joined."""

    serializer_class = MemberSerializer
    cursor_ordering = ("pk",)

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        page = self.paginate_queryset(engagement_memberships(access.engagement))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class EventList(PortalAPIView):
    """The engagement's audit trail, newest first."""

    serializer_class = EventSerializer
    cursor_ordering = ("-sequence",)

    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        events = engagement_audit_events(access.engagement, newest_first=True)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
