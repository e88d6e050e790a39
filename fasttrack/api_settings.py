"""The REST API's settings (api/), taken by fasttrack/settings.py; see the README's "API"
section."""

import environ

env = environ.Env()

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerUserThrottle"],
    # Bad tokens from one address (api/authentication.py): enough for a script's mistakes;
    # past it the address's bad tokens are refused unread, and its good ones still work.
    "DEFAULT_THROTTLE_RATES": {"failed-authentication": "30/hour"},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.json_error_handler",
}
# Requests per user, whatever token or session they use (per address when not signed in).
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1000/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "FastTrack Portal API",
    "DESCRIPTION": "Engagements, tasks, checkpoints, members, audit trails and the portfolio.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and answer components, so what an answer always has is required.
    "COMPONENT_SPLIT_REQUEST": True,
    # A nullable enum as the enum and `nullable`, not a oneOf with NullEnum and BlankEnum.
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    # Swagger UI and Redoc from the installed package: nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PartyEnum": "responsibilities.models.Party",
        "CheckpointKindEnum": "engagements.models.CheckpointKind",
        "EventKindEnum": "engagements.models.EventKind",
    },
}
