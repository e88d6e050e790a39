"""Checkpoint meetings: the engagement's list, scheduling, changing and cancelling one."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from engagements.access import get_checkpoint_for_user, get_engagement_for_user
from engagements.meetings import services as checkpoint_services
from engagements.models import Checkpoint

from ..serializers.checkpoints import CheckpointDetailsSerializer, CheckpointSerializer
from .base import PortalAPIView


def _with_people(checkpoints):
    return checkpoints.select_related("phase").prefetch_related("attendees")


def _fresh(checkpoint) -> Checkpoint:
    """The checkpoint as saved, with its phase and attendees (two queries)."""
    return _with_people(Checkpoint.objects.filter(pk=checkpoint.pk)).get()


def _details(data: dict, engagement) -> dict:
    """The serializer's data as the services take it: attendees as accounts, found among the
    engagement's members only, so an id outside it is refused by that id: the caller is never
    told whose account it is."""
    ids = data.pop("attendees", None)
    if ids is None:
        return data
    members = engagement.memberships.filter(user_id__in=ids).select_related("user")
    attendees = [membership.user for membership in members]
    unknown = sorted(set(ids) - {user.pk for user in attendees})
    if unknown:
        raise ValidationError(
            {
                "attendees": _("Only members of this engagement can attend (%(value)s is not).")
                % {"value": unknown[0]}
            }
        )
    return {**data, "attendees": attendees}


class CheckpointList(PortalAPIView):
    """The engagement's meetings, by start time."""

    serializer_class = CheckpointSerializer
    cursor_ordering = ("starts_at", "pk")

    @extend_schema(responses=CheckpointSerializer(many=True))
    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        page = self.paginate_queryset(_with_people(access.engagement.checkpoints.all()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=CheckpointDetailsSerializer, responses={201: CheckpointSerializer})
    def post(self, request, engagement_id):
        """Schedule a meeting; its attendees are reminded before it, as from the page."""
        access = get_engagement_for_user(request.user, engagement_id, write=True)
        access.require(access.can_schedule_checkpoints)
        details = CheckpointDetailsSerializer(data=request.data)
        details.is_valid(raise_exception=True)
        checkpoint = checkpoint_services.checkpoint_schedule(
            engagement=access.engagement,
            user=request.user,
            **_details(details.validated_data, access.engagement),
        )
        return Response(
            self.get_serializer(_fresh(checkpoint)).data, status=status.HTTP_201_CREATED
        )


class CheckpointDetail(PortalAPIView):
    serializer_class = CheckpointSerializer

    def get(self, request, engagement_id, checkpoint_id):
        _access, checkpoint = get_checkpoint_for_user(request.user, engagement_id, checkpoint_id)
        return Response(self.get_serializer(_fresh(checkpoint)).data)

    @extend_schema(request=CheckpointDetailsSerializer, responses=CheckpointSerializer)
    def patch(self, request, engagement_id, checkpoint_id):
        """Change or reschedule a meeting that has not started (one that has is a 403): give
        only what changes."""
        access, checkpoint = get_checkpoint_for_user(
            request.user, engagement_id, checkpoint_id, write=True
        )
        access.require(access.can_change_checkpoint(checkpoint))
        details = CheckpointDetailsSerializer(data=request.data, partial=True)
        details.is_valid(raise_exception=True)
        current = {
            "phase": checkpoint.phase,
            "kind": checkpoint.kind,
            "title": checkpoint.title,
            "starts_at": checkpoint.starts_at,
            "ends_at": checkpoint.ends_at,
            "location": checkpoint.location,
            "agenda": checkpoint.agenda,
            "attendees": list(checkpoint.attendees.all()),
        }
        changes = _details(details.validated_data, access.engagement)
        if "starts_at" in changes and "ends_at" not in changes:
            # Moved, not stretched: the meeting keeps its length.
            changes["ends_at"] = changes["starts_at"] + (checkpoint.ends_at - checkpoint.starts_at)
        checkpoint = checkpoint_services.checkpoint_update(
            checkpoint=checkpoint, user=request.user, **{**current, **changes}
        )
        return Response(self.get_serializer(_fresh(checkpoint)).data)


class CheckpointCancel(PortalAPIView):
    serializer_class = CheckpointSerializer

    @extend_schema(request=None, responses=CheckpointSerializer)
    def post(self, request, engagement_id, checkpoint_id):
        """Cancel a meeting that has not started (one that has is a 400); its attendees are
        told."""
        _access, checkpoint = get_checkpoint_for_user(
            request.user, engagement_id, checkpoint_id, write=True
        )
        checkpoint = checkpoint_services.checkpoint_cancel(checkpoint=checkpoint, user=request.user)
        return Response(self.get_serializer(_fresh(checkpoint)).data)
