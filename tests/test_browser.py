"""Journeys in real headless Chromium against a live server."""

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD, demo_data_create
from engagements.models import Engagement, Task

pytestmark = pytest.mark.browser


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def test_demo_manager_ticks_a_task_and_it_survives_a_reload(
    live_server, page, transactional_db, catalogue, screenshot_dir
):
    demo_data_create()
    contoso = Engagement.objects.get(customer="Contoso")
    task = contoso.tasks.filter(phase__code="avaliar", done=False).order_by("position").first()

    log_in(page, live_server.url, "pm")
    page.get_by_role("link", name="Contoso").click()
    row = page.locator(f"#task-{task.pk}")
    expect(row.locator("button.tick")).to_have_attribute("aria-pressed", "false")

    # A marker on the window survives an htmx swap but not a page load.
    page.evaluate("window.notReloaded = true")
    row.locator("button.tick").click()
    expect(row.locator("button.tick")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.notReloaded === true")
    page.screenshot(path=screenshot_dir / "tick-before-reload.png", full_page=False)

    page.reload()
    expect(page.locator(f"#task-{task.pk} button.tick")).to_have_attribute("aria-pressed", "true")
    assert Task.objects.get(pk=task.pk).done


def test_a_reason_typed_in_the_details_goes_with_the_untick(
    live_server, page, transactional_db, catalogue
):
    demo_data_create()
    task = Task.objects.filter(done=True).order_by("position").first()

    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{task.engagement_id}/#task-{task.pk}")
    row = page.locator(f"#task-{task.pk}")
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("Ata sem assinatura")
    row.locator("button.tick").click()
    expect(row.locator("button.tick")).to_have_attribute("aria-pressed", "false")
    event = task.events.get(kind="task_reopened")
    assert event.reason == "Ata sem assinatura"
