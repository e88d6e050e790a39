from django.urls import path

from reports import views

urlpatterns = [
    path(
        "engagements/<int:pk>/status-report.pdf",
        views.status_report_download,
        name="engagement-status-report",
    ),
]
