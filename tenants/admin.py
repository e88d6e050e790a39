from django.contrib import admin

from tenants.models import Observation, TenantConnection


class ReadOnly(admin.ModelAdmin):
    """Staff read what the tenants said; the services alone write it (the trail explains it)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TenantConnection)
class TenantConnectionAdmin(ReadOnly):
    list_display = ["engagement", "state", "tier", "tenant_name", "tenant_id", "last_checked_at"]
    list_filter = ["state", "tier"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__customer", "tenant_id", "tenant_name"]


@admin.register(Observation)
class ObservationAdmin(ReadOnly):
    list_display = ["observed_at", "engagement", "check_key", "check_version", "result"]
    list_filter = ["result", "check_key"]
    list_select_related = ["engagement"]
    date_hierarchy = "observed_at"
