from django.urls import path

from tenants import views

urlpatterns = [
    path("engagements/<int:pk>/tenant/", views.tenant_page, name="engagement-tenant"),
    path("engagements/<int:pk>/tenant/connect/", views.tenant_connect, name="tenant-connect"),
    path(
        "engagements/<int:pk>/tenant/disconnect/", views.tenant_disconnect, name="tenant-disconnect"
    ),
    path("engagements/<int:pk>/tenant/check/", views.tenant_check_now, name="tenant-check-now"),
    path(
        "engagements/<int:pk>/tenant/assessment/", views.tenant_assessment, name="tenant-assessment"
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_pk>/done-with-observation/",
        views.task_done_with_observation,
        name="task-done-with-observation",
    ),
    # One address for every engagement: it is the one registered with the app in Entra ID.
    path("tenant/consent/", views.tenant_consent, name="tenant-consent"),
]
