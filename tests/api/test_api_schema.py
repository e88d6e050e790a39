"""The OpenAPI schema: committed, in step with the code, and true of every answer the API
gives (schemathesis generates requests from the live schema, as a manager and as a viewer)."""

import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator
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
from accounts.services import profile_set_language

from ..factories import make_checkpoint, make_engagement
from .conftest import make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


@pytest.fixture(scope="module")
def generated():
    """The schema as `make schema` makes it, as data."""
    with translation.override("en"):
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_committed_schema_is_the_one_the_code_generates(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--validate", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "The API changed: run `make schema` and commit docs/openapi.yaml"
    )


def test_the_live_schema_is_the_committed_one_in_every_language(client, carla):
    """A client generated from the live schema and one from docs/openapi.yaml are the same."""
    schema = reverse("api-schema")
    assert client.get(schema, HTTP_ACCEPT_LANGUAGE="pt-br").content.decode() == (
        COMMITTED.read_text()
    )
    assert client.get(schema, {"lang": "pt-br"}).content.decode() == COMMITTED.read_text()
    profile_set_language(user=carla, language="pt-br")
    client.force_login(carla)
    assert client.get(schema).content.decode() == COMMITTED.read_text()


# Fields an answer may leave out: only an error's per-field messages (when no field is named).
OPTIONAL_IN_ANSWERS = {"Error": {"errors"}}


def test_every_field_an_answer_always_gives_is_required(generated):
    """Generated clients type a field that is not required as optional."""
    for name, component in generated["components"]["schemas"].items():
        if name.endswith("Request") or "properties" not in component:
            continue
        optional = set(component["properties"]) - set(component.get("required", []))
        assert optional == OPTIONAL_IN_ANSWERS.get(name, set()), name


def test_a_party_is_one_of_the_parties_or_null(generated, api, engagement, carla):
    """No `BlankEnum` for clients to make sense of: an event without a party says null."""
    schemas = generated["components"]["schemas"]
    assert "BlankEnum" not in schemas
    for name in ("party", "on_behalf_of"):
        field = schemas["Event"]["properties"][name]
        assert field["nullable"] is True
        assert field["allOf"] == [{"$ref": "#/components/schemas/PartyEnum"}]
    events = api(carla).get(reverse("api-event-list", args=[engagement.pk])).json()["results"]
    assert {event["party"] for event in events} >= {None}
    assert "" not in {event[name] for event in events for name in ("party", "on_behalf_of")}


@pytest.mark.parametrize(
    "name, component",
    [("api-task-list", "PaginatedTaskList"), ("api-portfolio", "PaginatedEngagementRows")],
)
def test_next_is_documented_as_the_address_of_the_next_page_and_is_one(
    generated, api, engagement, ada, name, component
):
    """A client follows `next` as given, or passes its `cursor` to the same operation."""
    make_engagement(created_by=ada, customer="Contoso")  # a second page for staff
    documented = generated["components"]["schemas"][component]["properties"]["next"]
    assert documented["format"] == "uri" and "`cursor`" in documented["description"]
    assert "example.org" not in str(documented)
    url = reverse(name, args=[engagement.pk] if name == "api-task-list" else [])
    client = api(ada)
    first = client.get(url, {"page_size": 1}).json()
    address = urlsplit(first["next"])
    assert (address.scheme, address.netloc, address.path) == ("http", "testserver", url)
    cursor = parse_qs(address.query)["cursor"]
    second = client.get(url, {"page_size": 1, "cursor": cursor}).json()
    assert client.get(first["next"]).json() == second
    assert second["results"] != first["results"]


def _described(schema, path, method, where) -> str:
    """The description of an operation, or of one of its parameters or body's fields."""
    operation = schema["paths"][path][method]
    if where is None:
        return operation["description"]
    for parameter in operation.get("parameters", []):
        if parameter["name"] == where:
            return parameter["description"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"][where][
        "description"
    ]


def test_each_rule_the_api_enforces_is_in_the_schema(
    generated, api, engagement, carla, time_machine
):
    """Each refusal a schema cannot express as a type is said where a client reads it."""
    task = engagement.tasks.filter(party="customer", phase__isnull=False).first()
    soon = timezone.now() + datetime.timedelta(hours=1)
    checkpoint = make_checkpoint(engagement, carla, starts_at=soon, attendees=[carla])
    later = (soon + datetime.timedelta(days=1)).isoformat()
    meeting = {
        "title": "Chamada",
        "kind": "checkpoint_call",
        "phase": "avaliar",
        "starts_at": later,
    }
    tasks = "/api/v1/engagements/{engagement_id}/tasks/"
    checkpoints = "/api/v1/engagements/{engagement_id}/checkpoints/"
    rules = [
        (tasks, "get", "q", {"q": "a\x00b"}),
        (tasks, "get", "phase", {"phase": "fase-nenhuma"}),
        ("/api/v1/portfolio/", "get", "q", {"q": "a\x00b"}),
        ("/api/v1/portfolio/", "get", "phase", {"phase": "fase-nenhuma"}),
        (tasks + "{task_id}/", "patch", "reason", {"reason": "sem done"}),
        (checkpoints, "post", "ends_at", {**meeting, "ends_at": soon.isoformat()}),
        (checkpoints, "post", "phase", {**meeting, "phase": "fase-nenhuma"}),
    ]
    client = api(carla)
    ids = {"engagement_id": engagement.pk, "task_id": task.pk, "checkpoint_id": checkpoint.pk}
    for path, method, where, data in rules:
        url = path.format(**ids)
        if method == "get":
            response = client.get(url, data)
        else:
            response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 400, (path, where, response.json())
        assert "400" in _described(generated, path, method, where), (path, where)
    time_machine.move_to(soon + datetime.timedelta(minutes=1))
    cancel = checkpoints + "{checkpoint_id}/cancel/"
    assert client.post(cancel.format(**ids)).status_code == 400
    assert "400" in _described(generated, cancel, "post", None)


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
