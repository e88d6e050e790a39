from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification
from notifications.sending import notifications_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What the portal sent, or could not: staff find failed notifications and why, and retry
    them. Rows are the exactly-once record, so nobody adds, edits or deletes one here."""

    list_display = [
        "key",
        "kind",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "due_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["recipient"]
    search_fields = ["key", "recipient__email", "recipient__username", "last_error"]
    date_hierarchy = "due_at"
    ordering = ["-due_at", "-pk"]
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected failed notifications"), permissions=["change"])
    def retry(self, request, queryset):
        count = notifications_retry(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification is waiting to be sent again.",
                "%(count)d notifications are waiting to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
