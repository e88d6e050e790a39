"""The customer's tenant through the API: the connection's state and what each reading saw."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.serializers.tenants import ObservationSerializer, TenantConnectionSerializer
from api.views.base import PortalAPIView
from engagements.access import get_engagement_for_user
from tenants.models import Observation
from tenants.selectors import connection_of


class TenantConnectionDetail(PortalAPIView):
    """Whether the engagement's customer tenant is connected, since when and by whom."""

    serializer_class = TenantConnectionSerializer

    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        connection = connection_of(access.engagement)
        if connection is None:
            raise Http404(_("The customer's tenant was never connected."))
        return Response(self.get_serializer(connection).data)


class ObservationList(PortalAPIView):
    """Every observation of the customer's tenant, newest first."""

    serializer_class = ObservationSerializer
    cursor_ordering = ("-observed_at", "-id")

    @extend_schema(responses=ObservationSerializer(many=True))
    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        observations = Observation.objects.filter(engagement=access.engagement)
        page = self.paginate_queryset(observations)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
