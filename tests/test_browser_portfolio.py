"""The portfolio on a 390 px phone, in real Chromium: each engagement a card of labelled values,
nothing cut off or scrolled sideways, and no serious accessibility violation."""

import pytest
from playwright.sync_api import expect

from .test_browser import CUT_OFF_ELEMENTS, log_in, serious_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("language", "risk_label"), [("pt-BR", "Risco"), ("en", "Risk")])
def test_the_portfolio_reads_on_a_390_px_phone(
    live_server, browser, browser_context_args, demo, screenshot_dir, language, risk_label
):
    context = browser.new_context(**browser_context_args, viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server.url, "msft")  # Microsoft's manager of all four engagements
    if language == "en":
        page.get_by_role("button", name="English").click()
    page.goto(f"{live_server.url}/portfolio/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the portfolio scrolls sideways by {overflow}px"
    assert page.evaluate(CUT_OFF_ELEMENTS) == []
    cards = page.locator("table.portfolio tbody tr")
    expect(cards).to_have_count(4)
    for index in range(4):
        risk = cards.nth(index).locator(f'td[data-label="{risk_label}"]')
        expect(risk).to_be_visible()
        box = risk.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # A label reads as words on one line, not a column of letters.
        assert box["width"] > 200
    page.screenshot(path=screenshot_dir / f"portfolio-390-{language}.png", full_page=True)
    assert serious_violations(page) == []
    context.close()
