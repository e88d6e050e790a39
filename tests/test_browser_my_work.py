"""My work in real headless Chromium, on the demo: where its managers land after signing in,
at desktop and phone widths, in both languages, with axe-core finding nothing serious.

Screenshots go to test-results/screenshots/ (my-work-*.png), as the other journeys' do.
"""

import re

import pytest
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD
from engagements.models import Task

from .test_browser import CUT_OFF_ELEMENTS, serious_violations

pytestmark = pytest.mark.browser

HEADINGS = {"pt-BR": "Meu trabalho", "en": "My work"}
OVERDUE = {"pt-BR": "Atrasadas", "en": "Overdue"}
ACKNOWLEDGE = {"pt-BR": "Compromissos permanentes a reconhecer", "en": "Standing commitments"}


def sign_in_and_land(page, base_url, username):
    """Sign in with no page asked for: the landing decides where."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{base_url}/my-work/")


@pytest.mark.parametrize("language", ["pt-BR", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_a_manager_lands_on_my_work_and_opens_an_overdue_task_where_it_is_done(
    live_server, browser, browser_context_args, demo, language, width, screenshot_dir
):
    late = Task.objects.filter(
        engagement=demo, owner__username="pm", done=False, due_date__isnull=False
    ).order_by("due_date")[0]
    # Only the injected axe script needs the policy lifted; the pages are the real ones.
    context = browser.new_context(
        **{**browser_context_args, "locale": language},
        viewport={"width": width, "height": 900},
        bypass_csp=True,
    )
    page = context.new_page()
    sign_in_and_land(page, live_server.url, "pm")
    if language == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_url(f"{live_server.url}/my-work/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[language])
    overdue = page.locator("#my-tasks")
    expect(overdue.get_by_role("heading", name=re.compile(OVERDUE[language]))).to_be_visible()
    expect(page.locator("#my-work-count .badge")).to_have_text(re.compile(r"^\d+"))
    assert serious_violations(page) == []
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    assert page.evaluate(CUT_OFF_ELEMENTS) == []
    page.screenshot(path=screenshot_dir / f"my-work-{language}-{width}.png", full_page=True)

    text = late.text_en if language == "en" else late.text_pt
    overdue.get_by_role("link", name=re.compile(re.escape(text[:30]))).click()
    page.wait_for_url(f"{live_server.url}/engagements/{demo.pk}/#task-{late.pk}")
    expect(page.locator(f"#task-{late.pk}")).to_be_in_viewport()
    # Another page asks for the top bar's count once it is shown.
    expect(page.locator("#my-work-count .badge")).to_have_text(re.compile(r"^\d+"))
    context.close()


def test_microsoft_s_manager_sees_what_waits_on_him_across_engagements(
    live_server, browser, browser_context_args, demo
):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_in_and_land(page, live_server.url, "msft")
    expect(page.locator("#acknowledgements")).to_contain_text("Tailspin Toys")
    expect(page.locator("#my-tasks")).to_contain_text("Northwind Traders")
    page.locator("#acknowledgements a").first.click()
    expect(page.locator("#gate-panel-iniciar")).to_be_in_viewport()
    context.close()


def test_a_viewer_with_nothing_waiting_lands_on_the_engagement_list(
    live_server, browser, browser_context_args, demo
):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "stakeholder")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    # Nothing waits on him: the top bar shows no count.
    expect(page.locator("#my-work-count")).to_have_count(1)
    expect(page.locator("#my-work-count .badge")).to_have_count(0)
    context.close()
