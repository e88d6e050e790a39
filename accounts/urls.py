from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.language_switch, name="language-switch"),
    path("profile/calendar/renew/", views.calendar_feed_renew, name="calendar-feed-renew"),
    path("profile/calendar/revoke/", views.calendar_feed_revoke, name="calendar-feed-revoke"),
]
