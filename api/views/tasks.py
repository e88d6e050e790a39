"""An engagement's tasks, filtered as on the task page, and a manager's changes to one."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from engagements.access import get_engagement_for_user, get_task_for_user
from engagements.models import Task
from engagements.services import tasks as task_services
from engagements.views.filters import TaskFilter
from fasttrack import bounds
from responsibilities.models import Party, Phase

from ..serializers.tasks import TaskChangeSerializer, TaskSerializer
from .base import PortalAPIView, refuse_empty_filters

TASK_FILTERS = [
    OpenApiParameter("party", enum=Party.values),
    OpenApiParameter(
        "phase",
        description="A phase code (an engagement's `phases` give them), or `general` for the "
        "general responsibilities; any other value is a 400.",
    ),
    OpenApiParameter("status", enum=["open", "done"]),
    OpenApiParameter(
        "due",
        enum=["overdue", "week", "none"],
        description="Overdue, due within 7 days, or without a due date.",
    ),
    OpenApiParameter("owner", description="`me`, `nobody`, or a member's id."),
    OpenApiParameter(
        "q",
        description="Words in the task's text, in either language: at most "
        f"{bounds.SEARCH_MAX_LENGTH} characters; a NUL character in them is a 400.",
    ),
]


def _with_people(tasks):
    return tasks.select_related("phase", "done_by", "owner")


class TaskList(PortalAPIView):
    """The engagement's tasks in the task page's order; its filters combine the same way, but
    a value that is not one of a filter's choices is refused instead of ignored."""

    serializer_class = TaskSerializer
    cursor_ordering = ("position", "pk")

    @extend_schema(parameters=TASK_FILTERS, responses=TaskSerializer(many=True))
    def get(self, request, engagement_id):
        access = get_engagement_for_user(request.user, engagement_id)
        # An empty search finds everything, as on the page.
        refuse_empty_filters(request.query_params, TASK_FILTERS, but={"q"})
        task_filter = TaskFilter(
            request.query_params,
            user=request.user,
            members=[user for users in access.owner_choices().values() for user in users],
            phases=Phase.objects.order_by("order"),
        )
        if not task_filter.form.is_valid():
            raise ValidationError(task_filter.form.errors.as_data())
        page = self.paginate_queryset(_with_people(task_filter.tasks_of(access.engagement)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _owner(owner_id: int | None):
    if owner_id is None:
        return None
    owner = get_user_model().objects.filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner": _("Only a member of the task's party can own it.")})
    return owner


class TaskDetail(PortalAPIView):
    serializer_class = TaskSerializer

    def get(self, request, engagement_id, task_id):
        _access, task = get_task_for_user(request.user, engagement_id, task_id)
        return Response(self._read(task))

    @extend_schema(request=TaskChangeSerializer, responses=TaskSerializer)
    def patch(self, request, engagement_id, task_id):
        """Mark done or not done, and set the note, due date or owner: the same rules as the
        task page, asked of every change before any is made."""
        access, task = get_task_for_user(request.user, engagement_id, task_id, write=True)
        change = TaskChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        if "done" in data:
            access.require(access.can_change_task(task))
        if "owner" in data:
            access.require(access.can_assign_owner(task))
        user = request.user
        with transaction.atomic():
            if "owner" in data:
                task = task_services.task_set_owner(
                    task=task, user=user, owner=_owner(data["owner"])
                )
            if "note" in data:
                task = task_services.task_set_note(task=task, user=user, note=data["note"])
            if "due_date" in data:
                task = task_services.task_set_due_date(
                    task=task, user=user, due_date=data["due_date"]
                )
            # Last: a tick that needs evidence, or an untick in a signed phase, undoes the rest.
            if "done" in data:
                task = task_services.task_set_done(
                    task=task, user=user, done=data["done"], reason=data.get("reason", "")
                )
        return Response(self._read(task))

    def _read(self, task: Task) -> dict:
        return self.get_serializer(_with_people(Task.objects.filter(pk=task.pk)).get()).data
