from django.contrib import admin
from django.urls import include, path

from engagements.views import language_switch

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("language/", language_switch, name="language-switch"),
    path("", include("engagements.urls")),
]
