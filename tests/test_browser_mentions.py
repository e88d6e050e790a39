"""Mentions in real headless Chromium: the customer's manager types "@" in a task's comment, picks
Microsoft's manager from the suggestions (with the mouse at desktop width, with the keyboard on
a 390 px phone), and the comment shows the name highlighted and owes him a note; axe finds
nothing serious on the page with the suggestions open. Screenshots: mentions-*.png."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from engagements.models import CommentMention, TaskComment
from notifications.models import Notification, NotificationKind

from .test_browser import csp_errors, first_open_task, log_in, serious_violations

pytestmark = pytest.mark.browser

SIZES = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}


@pytest.mark.parametrize("size", SIZES)
def test_typing_at_suggests_members_and_the_pick_becomes_a_mention(
    live_server, browser, browser_context_args, demo, screenshot_dir, size
):
    task = first_open_task(demo)
    msft = get_user_model().objects.get(username="msft")
    # axe is injected, so this session lifts the page's policy; a second one keeps it and
    # reports any violation of it.
    context = browser.new_context(**browser_context_args, viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    guarded = browser.new_context(**browser_context_args, viewport=SIZES[size])
    guarded_page = guarded.new_page()
    violations = csp_errors(guarded_page)
    log_in(guarded_page, live_server.url, "pm")

    for current in (guarded_page, page):
        current.goto(f"{live_server.url}/engagements/{demo.pk}/")
        row = current.locator(f"#task-{task.pk}")
        row.locator("details.task-evidence summary").click()
        field = row.get_by_label("Comentário", exact=True)
        field.click()
        field.press_sequentially("@mar")
        expect(row.locator(".mention-pick", has_text="Marcos Microsoft")).to_be_visible()
    assert violations == []
    guarded.close()

    row = page.locator(f"#task-{task.pk}")
    field = row.get_by_label("Comentário", exact=True)
    suggestion = row.locator(".mention-pick", has_text="Marcos Microsoft")
    # Only this engagement's members are offered, never the writer.
    expect(row.locator(".mention-pick", has_text="Paula")).to_have_count(0)
    assert serious_violations(page) == []
    page.screenshot(path=screenshot_dir / f"mentions-suggested-{size}.png")
    if size == "phone":
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        field.press("ArrowDown")
        expect(row.locator(".mention-pick").first).to_be_focused()
        focused = row.locator(".mention-pick:focus")
        while "Marcos Microsoft" not in focused.inner_text():
            focused.press("ArrowDown")
        focused.press("Enter")
    else:
        suggestion.click()
    expect(field).to_be_focused()
    expect(field).to_have_value("@Marcos Microsoft ")
    expect(row.locator(".mention-pick")).to_have_count(0)
    field.press_sequentially("pode validar até sexta?")
    row.get_by_role("button", name="Comentar").click()

    mention = page.locator(f"#task-{task.pk} .comment-body strong.mention")
    expect(mention).to_have_text("@Marcos Microsoft")
    assert serious_violations(page) == []
    page.screenshot(path=screenshot_dir / f"mentions-posted-{size}.png")
    context.close()
    comment = TaskComment.objects.get(task=task, body="@Marcos Microsoft pode validar até sexta?")
    assert CommentMention.objects.get(comment=comment).user == msft
    assert Notification.objects.filter(kind=NotificationKind.MENTION, recipient=msft).count() == 1


def test_without_javascript_a_typed_mention_still_posts_and_mentions(
    live_server, browser, browser_context_args, demo
):
    task = first_open_task(demo)
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    row = page.locator(f"#task-{task.pk}")
    row.locator("details.task-evidence summary").click()
    row.get_by_label("Comentário", exact=True).fill("@Marcos pode validar?")
    with page.expect_navigation():
        row.get_by_role("button", name="Comentar").click()
    expect(page.locator(f"#task-{task.pk} .comment-body strong.mention")).to_have_text("@Marcos")
    context.close()
    assert CommentMention.objects.get().user.username == "msft"


@pytest.mark.parametrize("size", SIZES)
def test_the_notification_preferences_page_reads_and_saves_at_each_width(
    live_server, browser, browser_context_args, demo, screenshot_dir, size
):
    context = browser.new_context(**browser_context_args, viewport=SIZES[size], bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/profile/")
    page.get_by_role("link", name="Suas preferências de notificação").click()
    mention = page.get_by_role("group", name="Menção em um comentário")
    mention.get_by_label("No resumo diário").check()
    expect(page.get_by_role("group", name="Convite")).to_contain_text("Por e-mail, sempre.")
    assert serious_violations(page) == []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator(".messages")).to_contain_text("Preferências de notificação salvas.")
    expect(mention.get_by_label("No resumo diário")).to_be_checked()
    page.screenshot(path=screenshot_dir / f"notification-preferences-{size}.png", full_page=True)
    context.close()
