"""What drf-spectacular cannot see for itself: the bearer token, and the errors and 304 that
every operation may answer (api/exceptions.py gives them one shape)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from .pagination import SortedRowsCursor
from .serializers.common import ErrorSerializer

ERROR_STATUSES = ("400", "401", "403", "404", "429")


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token, made on the profile page.",
        }


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in ERROR_STATUSES:
            responses.setdefault(status, self._get_response_for_code(ErrorSerializer, status))
        if self.method == "GET":
            responses["304"] = {"description": "Not modified: the ETag in If-None-Match holds."}
        return responses

    def get_paginated_name(self, serializer_name):
        # The portfolio's pages have no `previous`: they must not share the lists' component.
        if isinstance(self._get_paginator(), SortedRowsCursor):
            return f"Paginated{serializer_name}Rows"
        return super().get_paginated_name(serializer_name)
