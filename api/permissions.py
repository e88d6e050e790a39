"""What a token may do beyond its user's rules: a read-only token never writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.models import AccessToken


class TokenScopePermission(permissions.BasePermission):
    message = _("This token is read-only: make a read and write token to change things.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, AccessToken) or token.can_write
