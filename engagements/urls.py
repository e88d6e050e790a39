from django.urls import path

from . import views

urlpatterns = [
    path("", views.engagement_list, name="engagement-list"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement-detail"),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/done/",
        views.task_set_done,
        name="task-set-done",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/note/",
        views.task_set_note,
        name="task-set-note",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/due-date/",
        views.task_set_due_date,
        name="task-set-due-date",
    ),
    path(
        "engagements/<int:pk>/checkpoints/new/",
        views.checkpoint_new,
        name="checkpoint-new",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/",
        views.checkpoint_detail,
        name="checkpoint-detail",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/edit/",
        views.checkpoint_edit,
        name="checkpoint-edit",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/cancel/",
        views.checkpoint_cancel,
        name="checkpoint-cancel",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/calendar.ics",
        views.checkpoint_calendar,
        name="checkpoint-calendar",
    ),
    path("profile/", views.profile, name="profile"),
    path(
        "engagements/<int:pk>/dashboard/",
        views.engagement_dashboard,
        name="engagement-dashboard",
    ),
    path("engagements/<int:pk>/members/", views.members, name="engagement-members"),
    path(
        "engagements/<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("engagements/<int:pk>/share-links/", views.share_links, name="engagement-share-links"),
    path(
        "engagements/<int:pk>/share-links/<int:link_pk>/revoke/",
        views.share_link_revoke,
        name="share-link-revoke",
    ),
    path("engagements/<int:pk>/audit/", views.audit_trail, name="engagement-audit"),
    path("engagements/<int:pk>/audit.csv", views.audit_csv, name="engagement-audit-csv"),
    path("share/<str:token>/", views.shared_dashboard, name="shared-dashboard"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/matrix/", views.portfolio, {"view": "matrix"}, name="portfolio-matrix"),
    path("portfolio/summary/", views.portfolio_summary_view, name="portfolio-summary"),
    path("portfolio/export.csv", views.portfolio_csv, name="portfolio-csv"),
]
