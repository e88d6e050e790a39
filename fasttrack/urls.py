from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .forms import ResetOrChoosePasswordForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=ResetOrChoosePasswordForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("", include("engagements.urls")),
    path("", include("reports.urls")),
    path("", include("webhooks.urls")),
]

handler404 = "fasttrack.views.page_not_found"
