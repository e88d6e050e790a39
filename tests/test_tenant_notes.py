"""What the tenant's changes owe others: webhooks carry "tenant.confirmed" and "tenant.drift"
with the task and the check; the managers get one email per drift or revoked consent, in their
own language."""

import datetime
import json

import pytest
from django.core import mail

from accounts.services import profile_set_language
from engagements.services.tasks import task_set_done
from notifications.tasks import dispatch_notifications
from tenants.models import Tier
from tenants.tasks import tenant_check_once
from webhooks.models import Webhook, WebhookDelivery

from .graph_tenants import contoso_complete, northwind_partial
from .tenant_support import app_id, connect, point_at

TENANT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


@pytest.fixture
def graph(entra, settings):
    return point_at(entra, settings)


@pytest.fixture
def hook(engagement, carla):
    return Webhook.objects.create(
        owner=carla,
        url="https://hooks.example.com/fasttrack",
        secret="a-secret-of-thirty-two-characters",
        engagement=engagement,
    )


def bodies(hook) -> list[dict]:
    return [json.loads(d.body) for d in WebhookDelivery.objects.filter(webhook=hook).order_by("pk")]


def test_a_check_that_starts_confirming_is_carried_once_per_task(graph, hook, engagement, carla):
    tenant = northwind_partial(TENANT)
    connect(graph, engagement, tenant, by=carla)
    tenant_check_once(engagement.pk)
    before = {body["task"]["id"] for body in bodies(hook) if body["type"] == "tenant.confirmed"}
    sync_task = engagement.tasks.get(responsibility__key="customer-habilitar-04")
    assert sync_task.pk not in before  # sync never on: nothing confirmed
    tenant.sync_enabled = True
    tenant.last_sync = datetime.datetime.now(datetime.UTC)
    tenant_check_once(engagement.pk)
    tenant_check_once(engagement.pk)  # still confirming: nothing new
    confirmed = [b for b in bodies(hook) if b["type"] == "tenant.confirmed"]
    about_sync = [b for b in confirmed if b["task"]["id"] == sync_task.pk]
    assert len(about_sync) == 1
    assert about_sync[0]["changes"]["check"] == "directory-sync"
    assert about_sync[0]["changes"]["title"]["en"].startswith("Directory synchronisation is on")


def test_a_drift_is_carried_and_emailed_to_each_manager_in_their_language(
    graph, hook, engagement, carla, miguel
):
    profile_set_language(user=miguel, language="en")
    profile_set_language(user=carla, language="pt-br")
    tenant = contoso_complete(TENANT)
    connect(graph, engagement, tenant, by=carla)
    tenant_check_once(engagement.pk)
    task = engagement.tasks.get(responsibility__key="customer-habilitar-04")
    task_set_done(task=task, user=carla, done=True)
    tenant.last_sync -= datetime.timedelta(hours=4)
    tenant_check_once(engagement.pk)
    (drift,) = [b for b in bodies(hook) if b["type"] == "tenant.drift"]
    assert drift["task"]["id"] == task.pk and drift["task"]["done"] is True
    dispatch_notifications()
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "miguel@example.com": "Fabrikam: the tenant no longer confirms a done task",
        "carla@example.com": "Fabrikam: o tenant não confirma mais uma tarefa concluída",
    }
    english = next(m for m in mail.outbox if m.to == ["miguel@example.com"]).body
    assert "Directory synchronisation is on and has synced in the last 3 hours." in english
    assert "The task stays done" in english


def test_a_revoked_consent_is_emailed_once(graph, engagement, carla, miguel):
    profile_set_language(user=miguel, language="en")
    connect(graph, engagement, contoso_complete(TENANT), by=carla)
    graph.revoke_consent(TENANT, app_id(Tier.SENSITIVE))
    tenant_check_once(engagement.pk)
    tenant_check_once(engagement.pk)
    dispatch_notifications()
    english = [m for m in mail.outbox if m.to == ["miguel@example.com"]]
    assert [m.subject for m in english] == [
        "Fabrikam: the tenant no longer lets the portal read it"
    ]
