"""The customer's tenant as a witness, against the stand-in of Entra and Graph (tests/entra.py,
tests/graph.py) and the portal's real msal and requests code: connecting by admin consent,
what each scenario's tenant confirms, revoked consent, throttling, drift, ticking with an
observation as evidence, and the trail that keeps every observation's hash."""

import datetime
import json

import pytest
import trustme

from engagements.models import ActivityEvent, EventKind, Task
from engagements.verify.checks import engagement_state_problems
from notifications.models import Notification, NotificationKind
from tenants.checks import check_set
from tenants.models import CheckRun, ConnectionState, Drift, Observation, Result, Tier
from tenants.permissions import TIER_PERMISSIONS
from tenants.tasks import tenant_check_once

from .graph_tenants import contoso_complete, no_intune_licence, northwind_partial
from .tenant_support import app_id, connect, point_at

TENANT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


@pytest.fixture
def graph(entra, settings):
    return point_at(entra, settings)


def results(run) -> dict[str, str]:
    return dict(run.observations.values_list("check_key", "result"))


def task_of(engagement, key) -> Task:
    return engagement.tasks.get(responsibility__key=key)


def test_a_complete_tenant_confirms_every_check_its_permissions_allow(graph, engagement, carla):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    assert tenant_check_once(engagement.pk) == ("recorded", None)
    run = CheckRun.objects.get(engagement=engagement)
    assert results(run) == {check.key: Result.CONFIRMS for check in check_set().checks}
    # Each request asked once per run, however many checks share it; one token for all.
    paths = [r.path for r in graph.graph_requests]
    assert len(paths) == len(set(paths)) == run.request_count
    assert len(graph.token_requests) == 1


def test_the_identity_tier_asks_only_what_its_permissions_allow(graph, engagement, carla):
    connect(graph, engagement, contoso_complete(TENANT), by=carla, tier=Tier.IDENTITY)
    tenant_check_once(engagement.pk)
    asked = {check.key for check in check_set().for_tier(Tier.IDENTITY)}
    assert set(results(CheckRun.objects.get())) == asked
    assert "devices" not in asked and "synced-users" not in asked
    assert all(r.status == 200 for r in graph.graph_requests)


def test_a_partial_tenant_says_what_is_missing(graph, engagement, carla):
    connect(graph, engagement, northwind_partial(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    seen = {o.check_key: o for o in Observation.objects.all()}
    assert seen["directory-sync"].result == Result.DOES_NOT_CONFIRM
    assert seen["directory-sync"].facts == {"sync_enabled": False, "last_sync": None}
    assert seen["domains"].result == Result.DOES_NOT_CONFIRM
    # Its one iOS policy is assigned to nobody yet.
    assert seen["compliance"].facts["missing"] == ["ios", "android", "windows"]
    # Reported only is not enforced.
    assert seen["mfa"].result == Result.CONFIRMS  # the security defaults are on
    assert seen["conditional-access-devices"].result == Result.DOES_NOT_CONFIRM
    assert seen["branding"].result == Result.DOES_NOT_CONFIRM
    assert seen["intune-admins"].facts == {"intune_administrators": 0}
    assert seen["licences-ems"].result == Result.CONFIRMS


def test_without_an_intune_licence_intune_checks_cannot_tell(graph, engagement, carla):
    connect(graph, engagement, no_intune_licence(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    seen = dict(Observation.objects.values_list("check_key", "result"))
    intune = {
        "mdm-authority",
        "devices",
        "devices-windows",
        "compliance",
        "app-protection",
        "apps-assigned",
        "terms-of-use",
    }
    assert {key for key, result in seen.items() if result == Result.CANNOT_TELL} == intune
    assert seen["directory-sync"] == Result.CONFIRMS
    # The sign-in logs need Entra ID P1: a premium-less tenant answers, and does not confirm.
    assert seen["sign-in-reports"] == Result.DOES_NOT_CONFIRM


def test_no_user_list_device_name_or_address_is_kept(graph, engagement, carla):
    tenant = contoso_complete(TENANT)
    connect(graph, engagement, tenant, by=carla)
    tenant_check_once(engagement.pk)
    kept = json.dumps(list(Observation.objects.values("facts", "requests")))
    for mail in tenant.technical_mails + tenant.security_mails:
        assert mail not in kept
    for sign_in in tenant.sign_ins:
        assert sign_in["userPrincipalName"] not in kept
    assert "access_token" not in kept and "Bearer" not in kept


def test_each_observation_hash_is_in_the_trail_and_verify_audit_notices_a_change(
    graph, engagement, carla
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)
    event = ActivityEvent.objects.get(engagement=engagement, kind=EventKind.TENANT_CHECKED)
    said = {one["id"]: one["sha256"] for one in event.changes["observations"]}
    assert said == dict(Observation.objects.values_list("pk", "sha256"))
    assert engagement_state_problems(engagement) == []
    observation = Observation.objects.get(check_key="devices")
    observation.facts["devices"]["ios"] += 1
    observation.save()
    assert engagement_state_problems(engagement) == [
        f"engagement {engagement.pk} (Fabrikam), tenant observation {observation.pk} (devices): "
        "its content's SHA-256 is not the one its event recorded"
    ]
    observation.delete()
    assert engagement_state_problems(engagement)[-1].endswith("missing (deleted?)")


def test_revoked_consent_stops_the_checks_and_tells_the_managers(graph, engagement, carla, miguel):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    graph.revoke_consent(TENANT, app_id(Tier.SENSITIVE))
    assert tenant_check_once(engagement.pk) == ("revoked", None)
    connection = engagement.tenant_connection
    connection.refresh_from_db()
    assert connection.state == ConnectionState.REVOKED
    assert "AADSTS700016" in connection.revoked_reason
    assert not Observation.objects.exists()
    told = Notification.objects.filter(kind=NotificationKind.TENANT_REVOKED)
    assert set(told.values_list("recipient__username", flat=True)) == {"carla", "miguel"}
    # Stopped: nothing more is asked of the tenant.
    asked = len(graph.token_requests) + len(graph.graph_requests)
    assert tenant_check_once(engagement.pk) == ("not connected", None)
    assert len(graph.token_requests) + len(graph.graph_requests) == asked


def test_a_token_refused_by_graph_mid_run_is_revoked_consent(graph, engagement, carla):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    tenant_check_once(engagement.pk)  # msal now holds a token for the tenant
    graph.revoke_consent(TENANT, app_id(Tier.SENSITIVE))
    assert tenant_check_once(engagement.pk) == ("revoked", None)
    assert graph.graph_requests[-1].status == 401


def test_throttled_the_check_waits_graphs_retry_after_and_every_check_of_the_tenant_with_it(
    graph, engagement, carla
):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    graph.throttle(TENANT, times=1, retry_after=37)
    assert tenant_check_once(engagement.pk) == ("throttled", 37)
    asked = len(graph.graph_requests)
    assert asked == 1  # the first refusal stopped the run: no hammering
    assert tenant_check_once(engagement.pk)[0] == "waiting"
    assert len(graph.graph_requests) == asked
    connection = engagement.tenant_connection
    connection.refresh_from_db()
    connection.not_before -= datetime.timedelta(seconds=38)
    connection.save()
    assert tenant_check_once(engagement.pk) == ("recorded", None)


def test_a_503_without_retry_after_backs_off(graph, engagement, carla):
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    graph.throttle(TENANT, times=1, retry_after=4, status=503)
    assert tenant_check_once(engagement.pk) == ("throttled", 4)


def test_every_page_of_a_collection_is_read(graph, engagement, carla):
    tenant = contoso_complete(TENANT)
    tenant.page_size = 7
    connect(graph, engagement, tenant, by=carla)
    tenant_check_once(engagement.pk)
    apps = Observation.objects.get(check_key="apps-assigned")
    assert len(apps.requests[0]["request_ids"]) > 1
    assert any("skiptoken" in r.path for r in graph.graph_requests)
    assert apps.result == Result.CONFIRMS


def test_a_drift_is_told_once_and_never_unticks_the_task(graph, engagement, carla, miguel):
    tenant = contoso_complete(TENANT)
    connect(graph, engagement, tenant, by=carla)
    task = task_of(engagement, "customer-habilitar-04")
    tenant_check_once(engagement.pk)
    from engagements.services.tasks import task_set_done

    task_set_done(task=task, user=carla, done=True)
    tenant.last_sync -= datetime.timedelta(hours=4)
    engagement.tenant_connection.refresh_from_db()
    tenant_check_once(engagement.pk)
    tenant_check_once(engagement.pk)  # still stopped: the same drift
    task.refresh_from_db()
    assert task.done
    drift = Drift.objects.get()
    assert (drift.task, drift.check_key, drift.ended) == (task, "directory-sync", None)
    assert ActivityEvent.objects.filter(kind=EventKind.TENANT_DRIFT).count() == 1
    told = Notification.objects.filter(kind=NotificationKind.TENANT_DRIFT)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["carla", "miguel"]
    # Synchronising again ends it.
    tenant.last_sync = datetime.datetime.now(datetime.UTC)
    tenant_check_once(engagement.pk)
    drift.refresh_from_db()
    assert drift.ended is not None


def test_a_task_not_done_does_not_drift(graph, engagement, carla):
    tenant = contoso_complete(TENANT)
    connect(graph, engagement, tenant, by=carla)
    tenant_check_once(engagement.pk)
    tenant.last_sync -= datetime.timedelta(hours=4)
    tenant_check_once(engagement.pk)
    assert not Drift.objects.exists()


def test_a_tier_with_a_certificate_reads_the_tenant_and_a_foreign_certificate_does_not(
    entra, settings, engagement, carla, tmp_path
):
    point_at(entra, settings)

    def certificate(name):
        leaf = trustme.CA().issue_cert(f"{name}.example", key_type=trustme.KeyType.RSA)
        pem = tmp_path / f"{name}.pem"
        pem.write_bytes(leaf.private_key_pem.bytes() + leaf.cert_chain_pems[0].bytes())
        return str(pem), leaf.cert_chain_pems[0].bytes()

    registered, public = certificate("fasttrack-portal")
    foreign, _public = certificate("elsewhere")
    client_id = "7d9c2b1e-0a4f-4c3d-8e2b-6f5a4d3c2b1a"
    entra.register_app(client_id, "", TIER_PERMISSIONS[Tier.INTUNE], [], certificates=[public])
    connect(entra, engagement, contoso_complete(TENANT), by=carla, tier=Tier.INTUNE)
    entra.grant_consent(TENANT, client_id)
    app = {"client_id": client_id, "secret": "", "certificate": registered}
    settings.TENANT_APPS = {**settings.TENANT_APPS, Tier.INTUNE: app}
    assert tenant_check_once(engagement.pk) == ("recorded", None)
    assert entra.token_requests[-1].client_id == client_id
    settings.TENANT_APPS = {**settings.TENANT_APPS, Tier.INTUNE: {**app, "certificate": foreign}}
    # Entra refuses the assertion (AADSTS700027): the portal's own set-up is wrong, not the
    # customer's consent, which stays.
    assert tenant_check_once(engagement.pk) == ("not configured", None)
    engagement.tenant_connection.refresh_from_db()
    assert engagement.tenant_connection.state == ConnectionState.CONNECTED
