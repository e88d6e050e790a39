from django.urls import path

from notifications import views

urlpatterns = [
    path(
        "profile/notifications/",
        views.notification_preferences,
        name="notification-preferences",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
