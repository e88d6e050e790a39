"""The API under /api/v1/: every read answers with an ETag and 304 when it still holds."""

from django.urls import path, re_path
from django.views.decorators.http import conditional_page
from django.views.generic import RedirectView

from .views import checkpoints, docs, engagements, plans, portfolio, tasks, tenants


def conditional(view_class):
    """The view, answering GETs with an ETag (a hash of the body) and 304 when unchanged."""
    return conditional_page(view_class.as_view())


engagement = "engagements/<int:engagement_id>/"
urlpatterns = [
    path("schema/", docs.schema, name="api-schema"),
    # Redoc is the docs page: Swagger UI fails axe (contrast, controls nested in controls).
    path("docs/", docs.redoc, name="api-docs"),
    path("swagger/", docs.swagger_ui, name="api-swagger"),
    path("redoc/", RedirectView.as_view(pattern_name="api-docs", permanent=True)),
    path("engagements/", conditional(engagements.EngagementList), name="api-engagement-list"),
    path(engagement, conditional(engagements.EngagementDetail), name="api-engagement-detail"),
    path(f"{engagement}members/", conditional(engagements.MemberList), name="api-member-list"),
    path(f"{engagement}events/", conditional(engagements.EventList), name="api-event-list"),
    path(f"{engagement}tasks/", conditional(tasks.TaskList), name="api-task-list"),
    path(
        f"{engagement}tasks/<int:task_id>/",
        conditional(tasks.TaskDetail),
        name="api-task-detail",
    ),
    path(
        f"{engagement}checkpoints/",
        conditional(checkpoints.CheckpointList),
        name="api-checkpoint-list",
    ),
    path(
        f"{engagement}checkpoints/<int:checkpoint_id>/",
        conditional(checkpoints.CheckpointDetail),
        name="api-checkpoint-detail",
    ),
    path(
        f"{engagement}checkpoints/<int:checkpoint_id>/cancel/",
        checkpoints.CheckpointCancel.as_view(),
        name="api-checkpoint-cancel",
    ),
    path(
        f"{engagement}tenant/",
        conditional(tenants.TenantConnectionDetail),
        name="api-tenant-connection",
    ),
    path(
        f"{engagement}tenant/observations/",
        conditional(tenants.ObservationList),
        name="api-tenant-observation-list",
    ),
    path(f"{engagement}plan/", conditional(plans.PlanDetail), name="api-plan"),
    path(
        f"{engagement}plan/versions/",
        conditional(plans.PlanVersionList),
        name="api-plan-version-list",
    ),
    path("portfolio/", conditional(portfolio.Portfolio), name="api-portfolio"),
    # Last: any other address under /api/v1/ answers a JSON 404, not the pages' HTML one.
    re_path(r"", docs.not_found),
]
