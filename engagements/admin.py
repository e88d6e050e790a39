from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from responsibilities.models import Service

from .models import Engagement, Membership, Notification, Option
from .notifications.sending import notifications_retry
from .services.engagements import engagement_create, engagement_update
from .services.members import member_add, member_change, member_remove

SCOPE_FIELDS = [*Service.values, *Option.values]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["customer", "services_in_scope", "licence_count", "start_date", "created_at"]
    list_filter = ["aad_premium", "intune", "azure_rms", "start_date"]
    search_fields = ["customer"]
    date_hierarchy = "start_date"
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["customer", "licence_count", "purchase_date", "start_date"]}),
        (_("Services in scope"), {"fields": [str(service) for service in Service]}),
        (
            _("Options that decide conditional items"),
            {"fields": [str(option) for option in Option]},
        ),
    ]

    @admin.display(description=_("services"))
    def services_in_scope(self, engagement):
        return ", ".join(engagement.service_labels())

    def get_readonly_fields(self, request, obj=None):
        # Scope decided which catalogue items were copied; changing it later would leave the
        # task list describing a different engagement.
        if obj is not None:
            return [*SCOPE_FIELDS]
        return []

    def has_delete_permission(self, request, obj=None):
        # Deleting an engagement would take its whole audit trail with it.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            engagement_update(
                engagement=obj, changed_by=request.user, changed_fields=form.changed_data
            )
        else:
            engagement_create(engagement=obj, created_by=request.user)

    def save_formset(self, request, form, formset, change):
        # Memberships go through the services too, so each change is in the audit trail.
        for membership in formset.save(commit=False):
            if membership.pk is None:
                member_add(membership=membership, added_by=request.user)
            else:
                member_change(membership=membership, changed_by=request.user)
        for membership in formset.deleted_objects:
            member_remove(membership=membership, removed_by=request.user)


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
