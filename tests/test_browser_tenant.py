"""The tenant journey in Chromium: a customer manager connects the tenant through the stand-in's
consent page, the first reading shows on the tasks, a task is ticked with the tenant's
observation as its evidence, the tenant stops confirming it (a drift, the task stays done),
and the tenant is disconnected."""

import datetime

import pytest
from playwright.sync_api import expect

from engagements.models import Task
from tenants.models import ConnectionState, Drift, TenantConnection

from .factories import PASSWORD
from .graph_tenants import contoso_complete
from .tenant_support import point_at

pytestmark = pytest.mark.browser
TENANT = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def test_connect_check_tick_with_the_observation_see_drift_and_disconnect(
    transactional_db, live_server, browser, browser_context_args, entra, settings, engagement, carla
):
    point_at(entra, settings, callbacks=[f"{live_server.url}/tenant/consent/"])
    tenant = entra.add_tenant(contoso_complete(TENANT))
    entra.admin_consent_as(TENANT)
    context = browser.new_context(**browser_context_args, ignore_https_errors=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.fill("input[name=username]", "carla")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/engagements/{engagement.pk}/tenant/")
    page.get_by_label("Identidade e Intune").check()
    page.get_by_role("button", name="Conectar o tenant").click()
    # Back from the consent page once the first reading (eager here) is kept: give it time.
    expect(page.locator(".messages")).to_contain_text("O tenant está conectado", timeout=60_000)
    expect(page.locator("main")).to_contain_text("Contoso Ltd")
    expect(page.locator("main")).to_contain_text("O que o tenant diz")

    task = Task.objects.get(engagement=engagement, responsibility__key="customer-habilitar-04")
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/#task-{task.pk}")
    row = page.locator(f"#task-{task.pk}")
    expect(row).to_contain_text("O tenant confirma:")
    row.get_by_role(
        "button", name="Marcar como concluída com esta observação como evidência"
    ).click()
    expect(page.locator(".messages")).to_contain_text("Marcada como concluída")
    task.refresh_from_db()
    assert task.done and task.evidence.get().content_type == "application/json"

    tenant.last_sync -= datetime.timedelta(hours=4)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/tenant/")
    page.get_by_role("button", name="Verificar agora").click()
    expect(page.locator("main")).to_contain_text("Não confirmado mais", timeout=60_000)
    assert Drift.objects.get().task == task
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/#task-{task.pk}")
    expect(page.locator(f"#task-{task.pk}")).to_contain_text("a tarefa continua concluída")

    page.goto(f"{live_server.url}/engagements/{engagement.pk}/tenant/")
    page.get_by_role("button", name="Desconectar").click()
    expect(page.locator("main")).to_contain_text("Não conectado")
    assert TenantConnection.objects.get().state == ConnectionState.DISCONNECTED
    context.close()
