from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.language_switch, name="language-switch"),
    path("integrations/", views.integrations, name="integrations"),
    path("profile/tokens/", views.access_token_create, name="access-token-create"),
    path("profile/tokens/<int:pk>/revoke/", views.access_token_revoke, name="access-token-revoke"),
    path("profile/calendar/renew/", views.calendar_feed_renew, name="calendar-feed-renew"),
    path("profile/calendar/revoke/", views.calendar_feed_revoke, name="calendar-feed-revoke"),
]
