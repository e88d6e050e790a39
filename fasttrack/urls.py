from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import sign_in_views

from .forms import ResetOrChoosePasswordForm

urlpatterns = [
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, a PDF, an error).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=ResetOrChoosePasswordForm),
        name="password_reset",
    ),
    path("accounts/login/", sign_in_views.LoginView.as_view(), name="login"),
    path("accounts/signed-out/", sign_in_views.signed_out, name="signed-out"),
    path("accounts/microsoft/", sign_in_views.sso_login, name="sso-login"),
    path("accounts/microsoft/callback/", sign_in_views.sso_callback, name="sso-callback"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("engagements.urls")),
    path("", include("reports.urls")),
    path("", include("webhooks.urls")),
    path("", include("tenants.urls")),
]

handler404 = "fasttrack.views.page_not_found"
