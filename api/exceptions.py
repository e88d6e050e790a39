"""Every API error is JSON of one shape, with a message in the caller's language:
`{"detail": "...", "errors": {"field": ["...", ...]}}` (`errors` only when fields are named).

A ValidationError a service raises (the same refusal the pages show) becomes a 400 with its
messages, so the API adds no rule of its own and loses none."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.views import exception_handler

# Where Django and DRF put messages that belong to no field: they join "detail" only.
_NOT_A_FIELD = {NON_FIELD_ERRORS, "non_field_errors", "detail"}


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error details as {field: [messages]} ("" for the request as a whole)."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            for inner, messages in _flatten(value).items():
                key = "" if name in _NOT_A_FIELD else ".".join(filter(None, [str(name), inner]))
                flat.setdefault(key, []).extend(messages)
        return flat
    if isinstance(detail, list):
        flat = {}
        for value in detail:
            for inner, messages in _flatten(value).items():
                flat.setdefault(inner, []).extend(messages)
        return flat
    return {"": [str(detail)]}


def _as_api_exception(exc):
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        seconds = max(round(exc.wait), 1)
        exc.detail = ngettext(
            "Too many requests: try again in %(seconds)d second.",
            "Too many requests: try again in %(seconds)d seconds.",
            seconds,
        ) % {"seconds": seconds}
    return exc


def json_error_handler(exc, context):
    """DRF's handler, fed Django's ValidationError too, with its answers in one shape."""
    response = exception_handler(_as_api_exception(exc), context)
    if response is None:
        return None  # an error in the code: Django's 500, logged
    errors = _flatten(response.data)
    messages = [message for field_messages in errors.values() for message in field_messages]
    data = {"detail": " ".join(messages) or _("The request could not be completed.")}
    fields = {name: field_messages for name, field_messages in errors.items() if name}
    if fields:
        data["errors"] = fields
    response.data = data
    return response
