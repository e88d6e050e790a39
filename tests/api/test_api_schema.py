"""The OpenAPI schema: committed, in step with the code, and true of every answer the API
gives (schemathesis generates requests from the live schema, as a manager and as a viewer)."""

import datetime
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import TokenAccess

from ..factories import make_checkpoint
from .conftest import make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def test_the_committed_schema_is_the_one_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "The API changed: run `make schema` and commit docs/openapi.yaml"
    )


# The schema the running API serves, read through the WSGI application as a client would.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


@pytest.fixture
def open_connection():
    """Django closes the database connection as a request through WSGIHandler starts and
    finishes; the test's transaction lives on it (Django's test client stops that the same
    way)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def targets(db, open_connection, engagement, carla, vera):
    """Real ids to aim at, and a token per role."""
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    checkpoint = make_checkpoint(
        engagement,
        carla,
        starts_at=timezone.now() + datetime.timedelta(days=5),
        attendees=[carla, vera],
    )
    return {
        "ids": {
            "engagement_id": engagement.pk,
            "task_id": task.pk,
            "checkpoint_id": checkpoint.pk,
        },
        "tokens": {
            "manager": make_token(carla, TokenAccess.READ_WRITE),
            "viewer": make_token(vera, TokenAccess.READ_WRITE),
        },
    }


@schema.parametrize()
@hypothesis_settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_conforms_to_the_schema(case, targets):
    """No 500, and every status, header and body as documented, for a manager and a viewer.

    Valid and invalid requests alike; whether a valid one is accepted is not asked, since the
    services refuse much that a schema cannot express (a due date before the purchase)."""
    for name, value in targets["ids"].items():
        if name in (case.path_parameters or {}) and type(case.path_parameters[name]) is int:
            case.path_parameters[name] = value  # aim at real rows, not only 404s
    for token in targets["tokens"].values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
