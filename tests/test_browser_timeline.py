"""The timeline in real headless Chromium: on a desktop and a phone, in both languages, on
screen and in print; axe finds nothing serious in it."""

import pytest

from .test_browser import CUT_OFF_ELEMENTS, log_in, serious_violations

pytestmark = pytest.mark.browser

# Its labels are drawn at 12 and 14 units: at least this many pixels once the drawing is scaled.
SMALLEST_LABEL_PX = 9


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(
    ("language", "heading", "table"),
    [
        ("pt-BR", "Plano e previsão", "O plano, o realizado e a previsão, por fase"),
        ("en", "Plan and forecast", "The plan, what happened and the forecast, per phase"),
    ],
)
def test_the_timeline_reads_at_desktop_and_phone_widths(
    live_server,
    browser,
    browser_context_args,
    demo,
    screenshot_dir,
    width,
    language,
    heading,
    table,
):
    context = browser.new_context(
        **{**browser_context_args, "locale": language},
        viewport={"width": width, "height": 900},
        # Only the injected axe script needs the policy lifted; the page is the real one.
        bypass_csp=True,
    )
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    if language == "en":
        page.get_by_role("button", name="English").click()
    page.goto(f"{live_server.url}/engagements/{demo.pk}/dashboard/")
    figure = page.locator("figure.timeline")
    figure.scroll_into_view_if_needed()
    assert page.get_by_role("heading", name=heading).is_visible()
    # The drawing is hidden from screen readers; its table is what they read.
    assert page.get_by_role("table", name=table).count() == 1
    drawing = figure.locator("svg.timeline-drawing")
    box = drawing.bounding_box()
    assert box and 0 < box["width"] <= width
    scale = box["width"] / float(drawing.get_attribute("viewBox").split()[2])
    assert 12 * scale >= SMALLEST_LABEL_PX, f"labels shrink to {12 * scale:.1f}px"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow}px"
    cut_off = [item for item in page.evaluate(CUT_OFF_ELEMENTS) if "timeline" in item]
    assert cut_off == []
    figure.screenshot(path=screenshot_dir / f"timeline-{language}-{width}.png")
    assert serious_violations(page) == []
    # In print the drawing stays, and the table beside it shows whole.
    page.emulate_media(media="print")
    assert drawing.is_visible()
    assert figure.locator("table.timeline-data").is_visible()
    context.close()
