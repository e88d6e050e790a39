"""The plan through the API: read by every member (and staff and leads), changed by managers
of either party and staff, through the same service and rules as the plan page."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.serializers.plans import PlanChangeSerializer, PlanSerializer, PlanVersionSerializer
from api.views.base import PortalAPIView
from engagements.access import get_engagement_for_user
from engagements.models import Engagement, Plan, PlannedPhase
from engagements.planning.selectors import engagement_plan
from engagements.planning.services import plan_change
from engagements.status.selectors import engagement_statuses


def _plan_answer(engagement: Engagement) -> dict:
    """The plan as the dashboard reads it, with the status's level (its five queries)."""
    now = timezone.now()
    status = engagement_statuses([engagement], now)[engagement.pk]
    plan = engagement_plan(engagement, status.phases, timezone.localdate(now))
    return {**vars(plan), "slip_days": plan.slip_days, "level": status.level(now)}


def _named_as_sent(error: ValidationError) -> ValidationError:
    """The service names a phase's dates `<code>_start` / `<code>_end`; the body sends them as
    phases.<code>.start / .end."""
    if not hasattr(error, "error_dict"):
        return error
    renamed = {}
    for name, messages in error.message_dict.items():
        code, _sep, side = name.rpartition("_")
        key = f"phases.{code}.{side}" if side in ("start", "end") and code else name
        renamed[key] = messages
    return ValidationError(renamed)


class PlanDetail(PortalAPIView):
    serializer_class = PlanSerializer

    def get(self, request, engagement_id):
        """The current plan, the baseline and the forecast, phase by phase."""
        access = get_engagement_for_user(request.user, engagement_id)
        return Response(self.get_serializer(_plan_answer(access.engagement)).data)


class PlanVersionList(PortalAPIView):
    """Every version of the plan, the baseline (version 1) first; a new one is a re-plan."""

    serializer_class = PlanVersionSerializer
    cursor_ordering = ("version",)

    @extend_schema(responses=PlanVersionSerializer(many=True))
    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        versions = (
            Plan.objects.filter(engagement=access.engagement)
            .select_related("made_by")
            .prefetch_related(
                Prefetch(
                    "phases",
                    queryset=PlannedPhase.objects.select_related("phase").order_by("phase__order"),
                )
            )
        )
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=PlanChangeSerializer, responses={201: PlanVersionSerializer})
    def post(self, request, engagement_id):
        """Re-plan: the next version, with every phase's dates and why (a manager of either
        party, or staff). Refused (400) without a reason, when no date changes, for a phase
        ending before it starts or starting before the one before it, a date outside the
        window or a plan over 5 years; the errors name phases.<code>.start or .end."""
        access = get_engagement_for_user(request.user, engagement_id)
        change = PlanChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        try:
            plan = plan_change(
                engagement=access.engagement,
                user=request.user,
                dates={code: (d["start"], d["end"]) for code, d in data["phases"].items()},
                reason=data["reason"],
            )
        except ValidationError as error:
            raise _named_as_sent(error) from error
        return Response(self.get_serializer(plan).data, status=201)
