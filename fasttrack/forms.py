from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class ResetOrChoosePasswordForm(PasswordResetForm):
    """Django's reset form, also for invited people who have not chosen a password yet.

    Django skips accounts without a usable password; an invitee whose invitation link ran out
    has exactly such an account, and this is how they get a new link. With PASSWORD_LOGIN off
    only staff (break-glass accounts) get one: everyone else signs in with Microsoft.
    """

    def get_users(self, email):
        email_field = get_user_model().get_email_field_name()
        users = get_user_model()._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
        return users if settings.PASSWORD_LOGIN else users.filter(is_staff=True)
