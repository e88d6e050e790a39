from django.urls import path

from webhooks import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_pk>/", views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:webhook_pk>/delete/", views.webhook_delete, name="webhook-delete"),
]
