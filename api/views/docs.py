"""The OpenAPI schema and its two readers, Redoc (the docs page) and Swagger UI, served from
the installed drf-spectacular-sidecar package (nothing from a CDN) under the portal's
Content-Security-Policy: our templates load every script from a file, never inline. And the
API's answer for an address it does not have."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)


class EnglishSchemaView(SpectacularAPIView):
    """The schema in English whoever asks, as `make schema` commits it: a client generated
    from the live schema is the one generated from docs/openapi.yaml."""

    @extend_schema(exclude=True)  # the schema does not describe itself
    def get(self, request, *args, **kwargs):
        # Without drf-spectacular's `?lang=`: one schema, whoever asks and however.
        return self._get_schema_response(request)

    def dispatch(self, request, *args, **kwargs):
        with translation.override("en"):
            # Rendered here: its texts are lazy and would take the caller's language later.
            return super().dispatch(request, *args, **kwargs).render()


schema = EnglishSchemaView.as_view()
swagger_ui = SpectacularSwaggerSplitView.as_view(
    url_name="api-schema", template_name="api/swagger_ui.html"
)
# Redoc styles its page by adding <style> elements as it renders, and searches in a worker
# it starts from a blob; only this page allows those.
redoc = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
    SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
)


@csrf_exempt  # it changes nothing, so a POST needs no token to be told so
def not_found(request):
    return JsonResponse({"detail": _("The API has nothing at this address.")}, status=404)
