"""What every API view does around its work: the caller's language and time zone, and answers
that no shared cache keeps."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework.generics import GenericAPIView

from accounts.models import AccessToken
from accounts.selectors import user_profile


class PortalAPIView(GenericAPIView):
    def perform_authentication(self, request):
        super().perform_authentication(request)
        # accounts.middleware does this for the browser's session; a token is only known now.
        if isinstance(request.auth, AccessToken):
            profile = user_profile(request.user)
            if profile is not None:
                timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
                translation.activate(profile.language)
                request.LANGUAGE_CODE = profile.language

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Each answer is one user's: a cache may keep it only for them, and must ask again
        # (with the ETag) before reusing it.
        patch_vary_headers(response, ["Authorization"])
        patch_cache_control(response, private=True, no_cache=True)
        return response

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            timezone.deactivate()


def refuse_empty_filters(query_params, parameters, *, but=()) -> None:
    """The pages send an unchosen filter empty and read it as "any"; the schema gives each
    filter's values (an empty one is none of them), so a program is told instead. `parameters`
    are the view's OpenApiParameters; those named in `but` may be empty."""
    empty = [
        parameter.name
        for parameter in parameters
        if parameter.name not in but and query_params.get(parameter.name) == ""
    ]
    if empty:
        message = _("Leave this filter out rather than send it empty.")
        raise ValidationError(dict.fromkeys(empty, message))
