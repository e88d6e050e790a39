"""The user admin, with names bounded like the invitation form's."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm

from fasttrack.bounds import validate_single_line


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
