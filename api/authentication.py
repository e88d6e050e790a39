"""Personal access tokens, sent as `Authorization: Bearer <token>` by programs.

The token acts as its user: every rule of engagements/access.py applies to it as to the user's
pages; a read-only token is further refused every write (api/permissions.py).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts.selectors import access_token_for
from accounts.services import access_token_record_use

from .throttling import FailedAuthenticationThrottle

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None  # not ours: the session may still authenticate the browser
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”, with nothing else.")
            )
        now = timezone.now()
        try:
            access_token = self._usable_token(header[1], now)
        except exceptions.AuthenticationFailed:
            FailedAuthenticationThrottle().record_failure(request)
            raise
        access_token_record_use(access_token=access_token, now=now)
        return access_token.user, access_token

    def _usable_token(self, token: bytes, now):
        try:
            access_token = access_token_for(token.decode("ascii"))
        except UnicodeDecodeError:
            access_token = None
        if access_token is None or not access_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if access_token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if not access_token.is_usable(now):
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        return access_token

    def authenticate_header(self, request):
        # Makes a request without credentials a 401 that names the scheme, not a 403.
        return f'{KEYWORD} realm="api"'
