"""The user admin, with names bounded like the invitation form's."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm

from fasttrack.bounds import validate_single_line

from .models import EntraIdentity, SignInRecord


class BoundedUserChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A line break would break email headers, a bidi control would disguise the name.
        for name in ("first_name", "last_name"):
            self.fields[name].validators.append(validate_single_line)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class BoundedUserAdmin(UserAdmin):
    form = BoundedUserChangeForm


@admin.register(SignInRecord)
class SignInRecordAdmin(admin.ModelAdmin):
    """Each sign-in with Microsoft, binding and refusal, for staff to read; nobody edits one."""

    list_display = ["at", "outcome", "user", "name", "email", "tenant_id", "reason"]
    list_filter = ["outcome"]
    list_select_related = ["user"]
    search_fields = ["email", "name", "tenant_id", "object_id", "user__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EntraIdentity)
class EntraIdentityAdmin(admin.ModelAdmin):
    """Which Microsoft account each person signs in with; deleting one unbinds it (the person
    then accepts an invitation again)."""

    list_display = ["user", "tenant_id", "object_id", "bound_at"]
    search_fields = ["user__username", "user__email", "tenant_id", "object_id"]
    readonly_fields = ["user", "tenant_id", "object_id", "bound_at"]

    def has_add_permission(self, request):
        return False
