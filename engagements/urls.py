from django.urls import path

from engagements.activity import views as audit
from engagements.gates import evidence_views as evidence
from engagements.gates import views as gates
from engagements.meetings import feed_views as feeds
from engagements.meetings import views as checkpoints
from engagements.planning import views as planning
from engagements.status import views as portfolio
from engagements.sync import views as sync
from engagements.views import (
    engagements,
    exports,
    invitations,
    members,
    share_links,
    shared,
    tasks,
)

urlpatterns = [
    path("", engagements.engagement_list, name="engagement-list"),
    path("engagements/<int:pk>/", engagements.engagement_detail, name="engagement-detail"),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/done/",
        tasks.task_set_done,
        name="task-set-done",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/note/",
        tasks.task_set_note,
        name="task-set-note",
    ),
    path("engagements/<int:pk>/tasks/bulk/", tasks.tasks_bulk, name="tasks-bulk"),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/confirm/",
        tasks.task_confirm,
        name="task-confirm",
    ),
    path(
        "engagements/<int:pk>/phases/<slug:phase_code>/sign/",
        gates.gate_sign,
        name="gate-sign",
    ),
    path(
        "engagements/<int:pk>/phases/<slug:phase_code>/reopen/",
        gates.gate_reopen,
        name="gate-reopen",
    ),
    path(
        "engagements/<int:pk>/general/acknowledge/",
        gates.general_acknowledge,
        name="general-acknowledge",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/evidence/",
        evidence.evidence_add,
        name="evidence-add",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/evidence/<int:evidence_pk>/download/",
        evidence.evidence_download,
        name="evidence-download",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/comments/",
        evidence.comment_add,
        name="comment-add",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/owner/",
        tasks.task_set_owner,
        name="task-set-owner",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/due-date/",
        tasks.task_set_due_date,
        name="task-set-due-date",
    ),
    path(
        "engagements/<int:pk>/checkpoints/new/",
        checkpoints.checkpoint_new,
        name="checkpoint-new",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/",
        checkpoints.checkpoint_detail,
        name="checkpoint-detail",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/edit/",
        checkpoints.checkpoint_edit,
        name="checkpoint-edit",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/cancel/",
        checkpoints.checkpoint_cancel,
        name="checkpoint-cancel",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/brief/",
        checkpoints.checkpoint_brief_save,
        name="checkpoint-brief",
    ),
    path(
        "engagements/<int:pk>/checkpoints/<int:checkpoint_pk>/calendar.ics",
        exports.checkpoint_calendar,
        name="checkpoint-calendar",
    ),
    path(
        "engagements/<int:pk>/dashboard/",
        engagements.engagement_dashboard,
        name="engagement-dashboard",
    ),
    path("engagements/<int:pk>/members/", members.members, name="engagement-members"),
    path(
        "engagements/<int:pk>/members/<int:membership_pk>/remove/",
        members.member_remove,
        name="member-remove",
    ),
    path(
        "engagements/<int:pk>/share-links/", share_links.share_links, name="engagement-share-links"
    ),
    path(
        "engagements/<int:pk>/share-links/<int:link_pk>/revoke/",
        share_links.share_link_revoke,
        name="share-link-revoke",
    ),
    path("engagements/<int:pk>/audit/", audit.audit_trail, name="engagement-audit"),
    path("engagements/<int:pk>/catalogue/", sync.catalogue_update, name="engagement-catalogue"),
    path("engagements/<int:pk>/scope/", sync.scope_change, name="engagement-scope"),
    path("engagements/<int:pk>/audit.csv", exports.audit_csv, name="engagement-audit-csv"),
    path("engagements/<int:pk>/plan/", planning.engagement_plan_page, name="engagement-plan"),
    path("share/<str:token>/", shared.shared_dashboard, name="shared-dashboard"),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path(
        "invitations/<str:token>/accept/",
        invitations.invitation_accept,
        name="invitation-accept",
    ),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("portfolio/", portfolio.portfolio, name="portfolio"),
    path("portfolio/matrix/", portfolio.portfolio, {"view": "matrix"}, name="portfolio-matrix"),
    path("portfolio/summary/", portfolio.portfolio_summary_view, name="portfolio-summary"),
    path("portfolio/export.csv", exports.portfolio_csv, name="portfolio-csv"),
    path("portfolio/export.xlsx", exports.portfolio_xlsx, name="portfolio-xlsx"),
]
