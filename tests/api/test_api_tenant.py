"""The customer's tenant through the API: the connection's state and the observations, read by
the engagement's members only, with no token or person's data in them."""

import pytest
from django.urls import reverse

from tenants.tasks import tenant_check_once

from ..graph_tenants import contoso_complete
from ..tenant_support import connect, point_at

TENANT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


@pytest.fixture
def connected(entra, settings, engagement, carla):
    point_at(entra, settings)
    connect(entra, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    return engagement


def test_a_member_reads_the_connection_and_the_observations(api, connected, vera):
    connection = api(vera).get(reverse("api-tenant-connection", args=[connected.pk])).json()
    assert connection["state"] == "connected" and connection["tenant_id"] == TENANT
    assert connection["tenant_name"] == "Contoso Ltd"
    assert connection["consented_by"]["name"] == "Carla"
    answer = (
        api(vera)
        .get(reverse("api-tenant-observation-list", args=[connected.pk]), {"page_size": 5})
        .json()
    )
    assert len(answer["results"]) == 5 and answer["next"]
    sync = next(o for o in answer["results"])
    assert set(sync) >= {"check", "result", "words", "facts", "sha256", "requests", "observed_at"}
    assert "token" not in str(answer).lower()


def test_a_member_of_another_engagement_reads_nothing(api, connected, otto):
    for name in ("api-tenant-connection", "api-tenant-observation-list"):
        assert api(otto).get(reverse(name, args=[connected.pk])).status_code == 404


def test_a_tenant_never_connected_answers_404(api, engagement, carla):
    answer = api(carla).get(reverse("api-tenant-connection", args=[engagement.pk]))
    assert answer.status_code == 404
