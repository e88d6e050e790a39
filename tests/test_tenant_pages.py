"""The tenant's pages and actions as people use them: connecting through Entra's admin consent
(the stand-in's consent page, the portal's real callback), who may do what, the cooldown of
"check now", a tick that takes the tenant's confirmation as evidence, and what each task
shows, in both languages."""

import datetime
import hashlib

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from engagements.models import ActivityEvent, EventKind, Task, TaskEvidence
from engagements.verify.checks import engagement_state_problems
from tenants.models import CheckRun, ConnectionState, Observation, Result, TenantConnection, Tier
from tenants.tasks import tenant_check_once

from .graph_tenants import contoso_complete, northwind_partial
from .tenant_support import connect, point_at

TENANT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
ELSEWHERE = "9c1d7a52-2b9e-4c11-8f3e-5a0d6b7c8e90"


@pytest.fixture
def graph(entra, settings):
    return point_at(entra, settings)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def consent(client, graph, engagement, tier=Tier.INTUNE):
    """Ask to connect, then let the stand-in's consent page answer; returns the portal's
    answer to Entra's redirect back."""
    response = client.post(reverse("tenant-connect", args=[engagement.pk]), {"tier": tier})
    assert response.status_code == 302
    address = response["Location"]
    assert address.startswith(f"{graph.base_url}/organizations/v2.0/adminconsent?")
    answer = requests.get(address, verify=str(graph.ca_path), allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return client.get(answer.headers["Location"])


def test_a_customer_manager_sees_the_permissions_and_connects(
    client, graph, engagement, carla, django_capture_on_commit_callbacks
):
    graph.add_tenant(contoso_complete(TENANT))
    graph.admin_consent_as(TENANT)
    client.force_login(carla)
    english(client)
    page = client.get(reverse("engagement-tenant", args=[engagement.pk])).content.decode()
    assert "DeviceManagementManagedDevices.Read.All" in page
    assert "counts only, no device names" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = consent(client, graph, engagement)
    assert response.status_code == 302
    connection = TenantConnection.objects.get(engagement=engagement)
    assert (connection.state, connection.tier, connection.tenant_id, connection.tenant_name) == (
        ConnectionState.CONNECTED,
        Tier.INTUNE,
        TENANT,
        "Contoso Ltd",
    )
    assert connection.consented_by == carla
    event = ActivityEvent.objects.get(engagement=engagement, kind=EventKind.TENANT_CONNECTED)
    assert event.changes == {"tenant_id": TENANT, "tenant_name": "Contoso Ltd", "tier": "intune"}
    # The first reading followed at once.
    assert CheckRun.objects.filter(engagement=engagement).count() == 1
    page = client.get(reverse("engagement-tenant", args=[engagement.pk])).content.decode()
    assert "Contoso Ltd" in page and "Disconnect" in page


def test_a_refused_consent_changes_nothing(client, graph, engagement, carla):
    graph.add_tenant(contoso_complete(TENANT))
    graph.refuse_admin_consent()
    client.force_login(carla)
    english(client)
    response = consent(client, graph, engagement)
    assert not TenantConnection.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "did not give consent" in page


def test_a_consent_from_another_tenant_than_the_customers_is_refused(
    client, graph, engagement, carla
):
    engagement.customer_tenant_id = ELSEWHERE
    engagement.save()
    graph.add_tenant(contoso_complete(TENANT))
    graph.admin_consent_as(TENANT)
    client.force_login(carla)
    english(client)
    page = client.get(consent(client, graph, engagement)["Location"]).content.decode()
    assert not TenantConnection.objects.exists()
    assert f"came from tenant {TENANT}" in page and ELSEWHERE in page


def test_an_answer_the_portal_did_not_ask_for_is_refused(client, graph, engagement, carla, otto):
    graph.add_tenant(contoso_complete(TENANT))
    graph.admin_consent_as(TENANT)
    client.force_login(carla)
    response = client.post(reverse("tenant-connect", args=[engagement.pk]), {"tier": "intune"})
    back = requests.get(
        response["Location"], verify=str(graph.ca_path), allow_redirects=False, timeout=10
    ).headers["Location"]
    # Tampered with, or carried to another person's browser: refused, nothing recorded.
    assert client.get(back.replace("state=", "state=x")).status_code == 302
    client.force_login(otto)
    assert client.get(back).status_code == 302
    assert not TenantConnection.objects.exists()


@pytest.mark.parametrize("who, status", [("miguel", 403), ("vera", 403), ("otto", 404)])
def test_only_the_customers_managers_connect(
    client, graph, engagement, carla, miguel, vera, otto, who, status
):
    client.force_login({"miguel": miguel, "vera": vera, "otto": otto}[who])
    response = client.post(reverse("tenant-connect", args=[engagement.pk]), {"tier": "intune"})
    assert response.status_code == status


def test_an_unknown_tier_is_refused_with_a_message(client, graph, engagement, carla):
    client.force_login(carla)
    response = client.post(reverse("tenant-connect", args=[engagement.pk]), {"tier": "all"})
    assert response["Location"] == reverse("engagement-tenant", args=[engagement.pk])


def test_disconnecting_stops_the_readings_and_only_the_customers_managers_may(
    client, graph, engagement, carla, miguel
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    client.force_login(miguel)
    url = reverse("tenant-disconnect", args=[engagement.pk])
    assert client.post(url).status_code == 403
    client.force_login(carla)
    client.post(url)
    assert TenantConnection.objects.get().state == ConnectionState.DISCONNECTED
    assert tenant_check_once(engagement.pk) == ("not connected", None)
    assert ActivityEvent.objects.filter(kind=EventKind.TENANT_DISCONNECTED).count() == 1


def test_check_now_waits_out_its_cooldown(
    client, graph, engagement, carla, miguel, vera, django_capture_on_commit_callbacks
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    url = reverse("tenant-check-now", args=[engagement.pk])
    client.force_login(vera)
    assert client.post(url).status_code == 403
    client.force_login(miguel)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)
    assert CheckRun.objects.count() == 1
    assert CheckRun.objects.get().requested_by == miguel


def test_a_task_is_ticked_with_the_observation_as_its_evidence(graph, client, engagement, carla):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    task = engagement.tasks.get(responsibility__key="customer-habilitar-04")
    task.evidence_required = True  # a task that needs evidence takes the observation as such
    task.save()
    observation = Observation.objects.get(check_key="directory-sync")
    client.force_login(carla)
    url = reverse("task-done-with-observation", args=[engagement.pk, task.pk])
    client.post(url, {"observation": observation.pk})
    task.refresh_from_db()
    assert task.done
    evidence = TaskEvidence.objects.get(task=task)
    assert evidence.content_type == "application/json"
    assert evidence.sha256 == observation.sha256
    with evidence.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == observation.sha256


def test_the_trail_holds_a_tick_with_an_observation(graph, client, engagement, carla, miguel):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    task = engagement.tasks.get(responsibility__key="microsoft-habilitar-intune-05-c")
    observation = Observation.objects.get(check_key="devices")
    client.force_login(carla)  # Microsoft's task, and Microsoft has a manager: not hers
    url = reverse("task-done-with-observation", args=[engagement.pk, task.pk])
    assert client.post(url, {"observation": observation.pk}).status_code == 403
    client.force_login(miguel)
    client.post(url, {"observation": observation.pk})
    task.refresh_from_db()
    assert task.done
    kinds = list(
        ActivityEvent.objects.filter(task=task).order_by("sequence").values_list("kind", flat=True)
    )
    assert kinds[-2:] == [EventKind.EVIDENCE_ADDED, EventKind.TASK_DONE]
    assert engagement_state_problems(engagement) == []


def test_only_a_confirming_latest_observation_about_the_task_is_taken(
    graph, client, engagement, carla, vera
):
    tenant = northwind_partial(TENANT)
    connect(graph, engagement, tenant, by=carla)
    tenant_check_once(engagement.pk)
    sync_task = engagement.tasks.get(responsibility__key="customer-habilitar-04")
    licence_task = engagement.tasks.get(responsibility__key="microsoft-habilitar-core-01")
    refuted = Observation.objects.get(check_key="directory-sync")
    licences = Observation.objects.get(check_key="licences-ems")
    assert (refuted.result, licences.result) == (Result.DOES_NOT_CONFIRM, Result.CONFIRMS)
    client.force_login(carla)

    def tick(task, observation):
        url = reverse("task-done-with-observation", args=[engagement.pk, task.pk])
        return client.post(url, {"observation": observation.pk})

    tick(sync_task, refuted)
    tick(sync_task, licences)  # about another task
    tenant_check_once(engagement.pk)
    tick(licence_task, licences)  # read again since
    assert not Task.objects.filter(pk__in=[sync_task.pk, licence_task.pk], done=True).exists()
    client.force_login(vera)
    assert (
        tick(licence_task, Observation.objects.filter(check_key="licences-ems").first()).status_code
        == 403
    )


@pytest.mark.parametrize(
    "language, confirms, cannot",
    [
        ("en", "Tenant confirms:", "The tenant cannot show this:"),
        ("pt-br", "O tenant confirma:", "O tenant não consegue mostrar isto:"),
    ],
)
def test_each_task_shows_what_the_tenant_says(
    graph, client, engagement, carla, language, confirms, cannot
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    client.force_login(carla)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert confirms in page
    assert cannot in page  # Azure RMS's activation is invisible to Graph
    assessment = client.get(reverse("tenant-assessment", args=[engagement.pk])).content.decode()
    assert "EMSPREMIUM" in assessment and "contoso.com" in assessment


def test_the_status_report_carries_the_tenants_facts(graph, engagement, carla):
    import io

    import pypdf
    from django.utils import timezone, translation

    from reports.content import status_report
    from reports.pdf import status_report_pdf

    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    with translation.override("en"):
        before = status_report_pdf(status_report(engagement, timezone.now()))
    tenant_check_once(engagement.pk)
    with translation.override("en"):
        after = status_report_pdf(status_report(engagement, timezone.now()))

    def text(content):
        pages = pypdf.PdfReader(io.BytesIO(content)).pages
        return " ".join(" ".join(page.extract_text().split()) for page in pages)

    assert "The customer's tenant" not in text(before)
    assert "The customer's tenant" in text(after)
    assert "EMSPREMIUM" in text(after) and "contoso.com" in text(after)


def test_staff_read_the_connections_and_observations_in_the_admin_and_no_one_edits_them(
    graph, client, engagement, carla, ada
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    observation = Observation.objects.first()
    client.force_login(ada)
    assert client.get(reverse("admin:tenants_observation_changelist")).status_code == 200
    page = client.get(reverse("admin:tenants_observation_change", args=[observation.pk]))
    assert page.status_code == 200 and b'name="result"' not in page.content
    assert (
        client.post(
            reverse("admin:tenants_observation_delete", args=[observation.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    client.force_login(carla)
    assert client.get(reverse("admin:tenants_tenantconnection_changelist")).status_code == 302


def test_the_task_page_reads_the_tenant_in_three_queries_however_many_tasks(
    graph, client, engagement, carla, django_assert_max_num_queries
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    client.force_login(carla)
    url = reverse("engagement-detail", args=[engagement.pk])
    client.get(url)
    # The page's 15, and the tenant's latest reading, the catalogue keys it speaks for, drifts,
    # and the baseline's phase names in the activity.
    with django_assert_max_num_queries(19):
        page = client.get(url)
    assert page.content.decode().count('class="tenant-observation') >= 20


def test_the_cooldown_ends_at_its_minute(graph, engagement, carla, settings, time_machine):
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from tenants.services import tenant_check_request

    settings.TENANT_CHECK_COOLDOWN_MINUTES = 10
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    asked = timezone.now()
    tenant_check_request(engagement=engagement, user=carla, now=asked)
    almost = asked + datetime.timedelta(minutes=10) - datetime.timedelta(microseconds=1)
    with pytest.raises(ValidationError, match="consulte de novo depois de"):
        tenant_check_request(engagement=engagement, user=carla, now=almost)
    tenant_check_request(
        engagement=engagement, user=carla, now=asked + datetime.timedelta(minutes=10)
    )


def test_an_answer_naming_no_tenant_changes_nothing(client, graph, engagement, carla):
    graph.add_tenant(contoso_complete(TENANT))
    graph.admin_consent_as(TENANT)
    client.force_login(carla)
    response = client.post(reverse("tenant-connect", args=[engagement.pk]), {"tier": "intune"})
    back = requests.get(
        response["Location"], verify=str(graph.ca_path), allow_redirects=False, timeout=10
    ).headers["Location"]
    client.get(back.replace(f"tenant={TENANT}", "tenant=..%2Fcommon"))
    assert not TenantConnection.objects.exists()
    assert graph.token_requests == []
