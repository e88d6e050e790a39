"""The main journeys in real headless Chromium against a live server, with axe-core checks.

Each journey saves a screenshot under test-results/screenshots/.
"""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django.utils.text import Truncator
from playwright.sync_api import expect

from engagements.demo import DEMO_PASSWORD
from engagements.models import Engagement, Task
from notifications.models import Notification
from notifications.tasks import dispatch_notifications
from responsibilities.models import Responsibility

from .conftest import AXE
from .support import invitation

pytestmark = pytest.mark.browser


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def csp_errors(page):
    """Collect the page's Content-Security-Policy violations as they happen."""
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


def upcoming_checkpoint(engagement):
    """The demo's checkpoint call ahead (the kick-off is in the past)."""
    return engagement.checkpoints.get(starts_at__gt=timezone.now())


def first_open_task(engagement, party="customer"):
    return (
        engagement.tasks.filter(party=party, done=False, phase__code="avaliar")
        .order_by("position")
        .first()
    )


def test_1_a_manager_ticks_a_task_without_a_reload(live_server, page, demo, screenshot_dir):
    violations = csp_errors(page)
    task = first_open_task(demo)
    log_in(page, live_server.url, "pm")
    page.get_by_role("link", name="Contoso").click()
    row = page.locator(f"#task-{task.pk}")
    overall = page.locator("#progress .overall")
    before = overall.inner_text()
    page.evaluate("window.notReloaded = true")  # survives an htmx swap, not a page load
    row.locator("button.tick").click()
    expect(row.locator("button.tick")).to_have_attribute("aria-pressed", "true")
    expect(overall).not_to_have_text(before)
    expect(page.locator("#activity li").first).to_contain_text(task.text_pt[:40])
    assert page.evaluate("window.notReloaded === true")
    page.screenshot(path=screenshot_dir / "1-tick-with-htmx.png")
    page.reload()
    expect(page.locator(f"#task-{task.pk} button.tick")).to_have_attribute("aria-pressed", "true")
    assert Task.objects.get(pk=task.pk).done
    assert violations == []


def test_2_without_javascript_the_form_posts_and_comes_back_ticked(
    live_server, browser, browser_context_args, demo, screenshot_dir
):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    task = first_open_task(demo)
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    with page.expect_navigation():
        page.locator(f"#task-{task.pk} button.tick").click()
    expect(page.locator(f"#task-{task.pk} button.tick")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".messages")).to_be_visible()
    page.screenshot(path=screenshot_dir / "2-tick-without-javascript.png")
    context.close()
    assert Task.objects.get(pk=task.pk).done


def post_forms(page):
    return page.locator("form[method=post]").evaluate_all(
        "forms => forms.map(f => f.getAttribute('action')).filter(a => a !== '/language/')"
    )


def test_3_a_viewer_sees_the_dashboard_and_nothing_that_changes_it(
    live_server, page, demo, screenshot_dir
):
    log_in(page, live_server.url, "stakeholder")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/dashboard/")
    expect(page.locator("#progress")).to_be_visible()
    assert post_forms(page) == ["/accounts/logout/"]
    page.screenshot(path=screenshot_dir / "3-viewer-dashboard.png", full_page=True)
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    # Viewers discuss tasks (the README's rules table): the comment forms are their only writes.
    forms = post_forms(page)
    assert [form for form in forms if not form.endswith("/comments/")] == ["/accounts/logout/"]
    assert page.locator("button.tick").count() == 0
    assert page.locator(".evidence-form").count() == 0


def test_4_an_admin_edits_the_catalogue_and_only_new_engagements_follow(
    live_server, page, demo, screenshot_dir
):
    item = Responsibility.objects.get(key="customer-avaliar-06")
    old_text = item.text_pt
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/responsibilities/responsibility/{item.pk}/change/")
    page.fill("#id_text_pt", "Crie um plano de suporte revisado para a migração.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    # The edit is a draft until it is published; new engagements copy the published version.
    page.goto(f"{live_server.url}/admin/responsibilities/catalogueversion/add/")
    page.fill("#id_note", "Plano de suporte revisado")
    page.locator("input[name=_publish]").click()
    expect(page.locator(".messagelist")).to_contain_text("A versão 2 foi publicada.")

    page.goto(f"{live_server.url}/admin/engagements/engagement/add/")
    page.fill("#id_customer", "Woodgrove")
    page.fill("#id_licence_count", "300")
    page.fill("#id_purchase_date", "2026-11-01")
    page.fill("#id_start_date", "2026-11-10")
    page.check("#id_intune")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()

    woodgrove = Engagement.objects.get(customer="Woodgrove")
    page.goto(f"{live_server.url}/engagements/{woodgrove.pk}/")
    expect(page.get_by_text("Crie um plano de suporte revisado para a migração.")).to_be_visible()
    page.screenshot(path=screenshot_dir / "4-new-engagement-new-text.png")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    # In the task list (the demo's overdue list may name the same task again).
    expect(page.locator(".task-text").get_by_text(old_text)).to_be_visible()


def test_5_a_manager_schedules_a_checkpoint_and_the_reminder_arrives(
    live_server, page, demo, screenshot_dir
):
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/checkpoints/new/")
    start = timezone.localtime() + datetime.timedelta(hours=2)
    page.fill("#id_title", "Revisão de progresso")
    page.select_option("#id_kind", "checkpoint_call")
    page.select_option("#id_phase", label="Avaliar")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_location", "https://meet.example.com/revisao")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Revisão de progresso")
    page.screenshot(path=screenshot_dir / "5-checkpoint-scheduled.png", full_page=True)

    reminder = Notification.objects.get(
        checkpoint__title="Revisão de progresso", minutes_before=60, recipient__username="pm"
    )
    with time_machine.travel(reminder.due_at + datetime.timedelta(seconds=1), tick=False):
        dispatch_notifications.delay()
    reminders = {m.to[0]: m for m in mail.outbox if "Revisão de progresso" in m.subject}
    # Every member attends unless the form is told otherwise, and each is reminded.
    assert set(reminders) == set(demo.memberships.values_list("user__email", flat=True))
    assert "pm@contoso.example" in reminders
    message = reminders["pm@contoso.example"]
    assert message.subject.startswith("Lembrete: Revisão de progresso")
    method, calendar = invitation(message)  # inline, for the mail program to add
    assert method == "REQUEST" and calendar.walk("VEVENT")


def test_6_a_user_switches_to_english_pages_catalogue_and_email_follow(
    live_server, page, demo, screenshot_dir
):
    task = first_open_task(demo)
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#tasks-heading")).to_have_text("Tasks")
    expect(page.locator(f"#task-{task.pk} .task-text")).to_have_text(task.text_en)
    page.screenshot(path=screenshot_dir / "6-english.png")

    checkpoint = upcoming_checkpoint(demo)
    reminder = checkpoint.notifications.get(recipient__username="pm", minutes_before=60)
    with time_machine.travel(reminder.due_at + datetime.timedelta(seconds=1), tick=False):
        dispatch_notifications.delay()
    message = next(
        m
        for m in mail.outbox
        if m.to == ["pm@contoso.example"]
        and m.extra_headers["X-FastTrack-Notification"].startswith("checkpoint-reminder")
    )
    assert message.subject.startswith("Reminder:")
    assert "Open tasks of Assess" in message.body


def test_7_on_a_phone_the_engagement_page_needs_no_sideways_scrolling(
    live_server, browser, browser_context_args, demo, screenshot_dir
):
    context = browser.new_context(**browser_context_args, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    checkpoint = demo.checkpoints.order_by("starts_at").last()
    paths = [
        f"/engagements/{demo.pk}/",
        f"/engagements/{demo.pk}/dashboard/",
        f"/engagements/{demo.pk}/members/",
        f"/engagements/{demo.pk}/checkpoints/{checkpoint.pk}/",
        "/portfolio/",
        "/portfolio/summary/",
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        # Nor is anything cut off inside a box that scrolls on its own, but for the portfolio
        # table, whose columns are there to be compared side by side.
        if path != "/portfolio/":
            cut_off = page.evaluate(CUT_OFF_ELEMENTS)
            assert cut_off == [], f"{path} cuts off {cut_off}"
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    task = first_open_task(demo)
    page.locator(f"#task-{task.pk} button.tick").click()
    expect(page.locator(f"#task-{task.pk} button.tick")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=screenshot_dir / "7-phone.png", full_page=False)
    context.close()


# The visible elements of the page's main part whose right edge passes the window's.
CUT_OFF_ELEMENTS = """
[...document.querySelectorAll("main *")]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
  .filter((e) => !e.closest(".visually-hidden"))
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map((e) => e.tagName + "." + e.className + ": " + (e.textContent || "").trim().slice(0, 30))
"""


def test_keyboard_only_ticking(live_server, page, demo):
    task = first_open_task(demo)
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    button = page.locator(f"#task-{task.pk} button.tick")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")  # focus stays on the swapped row's button
    expect(page.locator(f"#task-{task.pk} button.tick")).to_have_attribute("aria-pressed", "false")


def serious_violations(page):
    page.add_script_tag(content=AXE)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
        }"""
    )


@pytest.mark.parametrize("language", ["pt-BR", "en"])
def test_main_pages_have_no_serious_accessibility_violations(
    live_server, browser, browser_context_args, demo, language
):
    # Only the injected axe script needs the policy lifted; the pages are the real ones.
    context = browser.new_context(**{**browser_context_args, "locale": language}, bypass_csp=True)
    page = context.new_page()
    engagement = demo.pk
    checkpoint = upcoming_checkpoint(demo).pk
    page.goto(f"{live_server.url}/accounts/login/")
    found = {"login": serious_violations(page)}
    log_in(page, live_server.url, "pm")
    if language == "en":
        page.get_by_role("button", name="English").click()
    paths = {
        "engagements": "/",
        "tasks": f"/engagements/{engagement}/",
        "dashboard": f"/engagements/{engagement}/dashboard/",
        "plan": f"/engagements/{engagement}/plan/",
        "members": f"/engagements/{engagement}/members/",
        "audit trail": f"/engagements/{engagement}/audit/",
        "share links": f"/engagements/{engagement}/share-links/",
        "new checkpoint": f"/engagements/{engagement}/checkpoints/new/",
        "checkpoint": f"/engagements/{engagement}/checkpoints/{checkpoint}/",
        "portfolio": "/portfolio/",
        "matrix": "/portfolio/matrix/",
        "summary": "/portfolio/summary/",
        "profile": "/profile/",
    }
    for name, path in paths.items():
        page.goto(f"{live_server.url}{path}")
        found[name] = serious_violations(page)
    context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_the_shared_dashboard_has_no_serious_accessibility_violations(
    live_server, browser, browser_context_args, demo
):
    from django.contrib.auth import get_user_model

    from engagements.services.share_links import share_link_create

    _link, token = share_link_create(
        engagement=demo,
        user=get_user_model().objects.get(username="pm"),
        label="Board",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    context = browser.new_context(**browser_context_args, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/share/{token}/")
    assert serious_violations(page) == []
    assert re.search("Contoso", page.content())
    context.close()


def test_a_new_share_link_is_copied_with_one_click(
    live_server, browser, browser_context_args, demo
):
    context = browser.new_context(**browser_context_args)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/share-links/")
    page.get_by_label("Rótulo").fill("Comitê")
    page.get_by_label("Expira em").fill(
        (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    )
    page.get_by_role("button", name="Criar o link").click()
    link = page.locator("#new-share-link").input_value()
    assert "/share/" in link
    page.get_by_role("button", name="Copiar").click()
    expect(page.get_by_role("button", name="Copiado")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    context.close()


def test_the_printed_dashboard_leaves_out_the_activity_list(live_server, page, demo):
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/dashboard/")
    expect(page.locator("#activity")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#activity")).to_be_hidden()
    expect(page.locator("svg.burnup")).to_be_visible()


def test_8_filtering_to_my_party_due_this_week(live_server, page, demo, screenshot_dir):
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    filters = page.get_by_role("form", name="Filtrar as tarefas")
    filters.get_by_label("Parte").select_option(label="Cliente")
    filters.get_by_label("Prazo").select_option(label="nos próximos 7 dias")
    filters.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"party=customer.*due=week"))
    today = timezone.localdate()
    expected = demo.tasks.filter(
        party="customer",
        done=False,
        due_date__gte=today,
        due_date__lte=today + datetime.timedelta(days=7),
    )
    rows = page.locator("li.task")
    expect(rows).to_have_count(expected.count())
    for task in expected:
        expect(page.locator(f"#task-{task.pk}")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="corresponde")).to_be_visible()
    page.screenshot(path=screenshot_dir / "8-filtered-task-page.png", full_page=True)
    page.get_by_role("link", name="Limpar filtros").click()
    expect(rows).to_have_count(demo.tasks.count())


def test_9_a_manager_gives_a_task_an_owner_and_the_dashboard_names_them(live_server, page, demo):
    from engagements.services.tasks import task_set_due_date

    task = demo.tasks.filter(party="customer", done=False, owner=None, phase__isnull=False).first()
    pm = demo.memberships.get(user__username="pm").user
    task_set_due_date(task=task, user=pm, due_date=timezone.localdate())
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/#task-{task.pk}")
    row = page.locator(f"#task-{task.pk}")
    row.locator(".task-edit > summary").click()
    row.get_by_label("Responsável").select_option(label="Sérgio Patrocinador")
    row.get_by_role("button", name="Definir responsável").click()
    expect(page.locator(f"#task-{task.pk} .owner")).to_have_text("responsável: Sérgio Patrocinador")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/dashboard/")
    entry = page.locator(".due-list li").filter(has_text=task.text_pt[:40])
    expect(entry).to_contain_text("aguardando Sérgio Patrocinador (Cliente)")
    assert Task.objects.get(pk=task.pk).owner.username == "stakeholder"


def test_10_a_bulk_tick_of_five_tasks(live_server, page, demo):
    open_tasks = demo.tasks.filter(
        party="customer", done=False, phase__isnull=False, evidence_required=False
    )
    tasks = list(open_tasks.order_by("position")[:5])
    log_in(page, live_server.url, "pm")
    page.goto(f"{live_server.url}/engagements/{demo.pk}/")
    for task in tasks:
        text = Truncator(task.text_pt).chars(60, truncate="…")
        row = page.locator(f"#task-{task.pk}")
        row.get_by_role("checkbox", name=f"Selecionar “{text}”", exact=True).check()
    bulk = page.locator("#bulk-form")
    bulk.get_by_label("Alteração").select_option(label="marcar como concluída")
    bulk.get_by_role("button", name="Aplicar").click()
    expect(page.locator(".messages")).to_contain_text("5 tarefas alteradas.")
    for task in tasks:
        expect(page.locator(f"#task-{task.pk} .tick")).to_have_attribute("aria-pressed", "true")
    assert Task.objects.filter(pk__in=[t.pk for t in tasks], done=True).count() == 5


ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def test_11_the_activity_reads_wholly_in_each_language(live_server, page, demo, screenshot_dir):
    log_in(page, live_server.url, "pm")
    foreign = {
        "pt-br": ["(Customer,", ", Manager)", ", Viewer)", "owner:", "due date:", "on behalf"],
        "en": ["(Cliente,", ", Gerente)", ", Leitor)", "responsável:", "prazo:", "em nome"],
    }
    for language, button in (("pt-br", "Português"), ("en", "English")):
        page.get_by_role("button", name=button).click()
        page.goto(f"{live_server.url}/engagements/{demo.pk}/audit/")
        trail = page.locator("main table").inner_text()
        assert not ISO_MOMENT.search(trail), trail[:300]
        assert [word for word in foreign[language] if word in trail] == []
        page.screenshot(path=screenshot_dir / f"11-audit-{language}.png", full_page=True)
