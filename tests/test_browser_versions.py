"""The catalogue-versions journey in real headless Chromium: an admin rewords items and adds
one, publishes; Contoso's manager sees the update, previews it and applies it; the task page
then shows the new task, the new wording on an open task and the old wording on a done one.

Screenshots go to test-results/screenshots/.
"""

import pytest
from playwright.sync_api import expect

from engagements.models import Task
from engagements.sync.services import SCOPE_FIELDS, catalogue_apply
from responsibilities.models import Phase, Responsibility
from responsibilities.publishing import catalogue_publish

from .test_browser import csp_errors, first_open_task, log_in, serious_violations

pytestmark = pytest.mark.browser

OPEN_WORDING = "Participe das reuniões que planejam a configuração dos serviços online."
DONE_WORDING = "Trabalhe com a Microsoft desde o primeiro dia da integração."
NEW_ITEM = "Revise com a Microsoft o plano de migração antes de corrigir."


def reword(page, base_url, item, text):
    page.goto(f"{base_url}/admin/responsibilities/responsibility/{item.pk}/change/")
    page.fill("#id_text_pt", text)
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()


def add_an_item(page, base_url):
    page.goto(f"{base_url}/admin/responsibilities/responsibility/add/")
    page.fill("#id_key", "customer-avaliar-07")
    page.select_option("#id_party", "customer")
    page.select_option("#id_phase", label="Avaliar")
    page.fill("#id_position", "28")
    page.fill("#id_text_pt", NEW_ITEM)
    page.fill("#id_text_en", "Review the migration plan with Microsoft before remediating.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_be_visible()


def test_an_update_published_in_the_admin_reaches_contoso_through_its_preview(
    live_server,
    browser,
    browser_context_args,
    demo,
    screenshot_dir,
):
    open_task = first_open_task(demo)
    done_task = demo.tasks.filter(party="customer", phase__code="iniciar", done=True).first()
    old_done_wording = done_task.text_pt
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    violations = csp_errors(page)

    log_in(page, live_server.url, "admin")
    reword(page, live_server.url, open_task.responsibility, OPEN_WORDING)
    reword(page, live_server.url, done_task.responsibility, DONE_WORDING)
    add_an_item(page, live_server.url)
    page.goto(f"{live_server.url}/admin/responsibilities/catalogueversion/add/")
    changes = page.locator("table.catalogue-changes tbody tr")
    expect(changes).to_have_count(3)
    expect(page.locator(f"#change-{open_task.responsibility.key}")).to_contain_text(OPEN_WORDING)
    expect(page.locator("#change-customer-avaliar-07")).to_contain_text("adicionado")
    page.fill("#id_note", "Plano de suporte e integração revistos; um item novo em Avaliar")
    page.screenshot(path=screenshot_dir / "versions-1-publish.png", full_page=True)
    page.locator("input[name=_publish]").click()
    expect(page.locator(".messagelist")).to_contain_text("A versão 2 foi publicada.")
    context.clear_cookies()

    log_in(page, live_server.url, "pm")
    page.get_by_role("link", name="Contoso").click()
    news = page.locator(".catalogue-news")
    expect(news).to_contain_text("Atualização do catálogo disponível")
    news.get_by_role("link", name="Ver a prévia da atualização").click()
    expect(page.locator("h1")).to_contain_text("versão 2 do catálogo")
    expect(page.locator("#plan-customer-avaliar-07")).to_contain_text("uma nova tarefa em Avaliar")
    expect(page.locator(f"#plan-{open_task.responsibility.key}")).to_contain_text(
        "a tarefa aberta recebe a nova redação"
    )
    expect(page.locator(f"#plan-{done_task.responsibility.key}")).to_contain_text(
        "mantém sua redação"
    )
    page.screenshot(path=screenshot_dir / "versions-2-preview.png", full_page=True)
    page.get_by_role("button", name="Aplicar as mudanças escolhidas").click()
    expect(page.locator(".messages")).to_contain_text("3 tarefas alteradas.")
    expect(page.locator(".catalogue-news")).to_have_count(0)

    added = Task.objects.get(engagement=demo, responsibility__key="customer-avaliar-07")
    expect(page.locator(f"#task-{added.pk} .task-text")).to_have_text(NEW_ITEM)
    expect(page.locator(f"#task-{open_task.pk} .task-text")).to_have_text(OPEN_WORDING)
    done_row = page.locator(f"#task-{done_task.pk}")
    expect(done_row.locator(".task-text")).to_have_text(old_done_wording)
    expect(done_row.locator("button.tick, .state").first).to_contain_text("Concluída")
    expect(done_row.locator(".newer-wording")).to_contain_text(DONE_WORDING)
    page.locator(f"#task-{added.pk}").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "versions-3-new-task.png")
    # Iniciar is finished, so it is folded: open it to read the done task.
    page.locator("#phase-iniciar > summary").click()
    expect(done_row.locator(".newer-wording")).to_be_visible()
    done_row.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "versions-4-done-task-keeps-its-wording.png")
    assert violations == []
    context.close()


@pytest.mark.parametrize("language", ["pt-BR", "en"])
def test_the_planner_pages_have_no_serious_accessibility_violations(
    live_server,
    browser,
    browser_context_args,
    demo,
    language,
):
    pm = demo.memberships.get(user__username="pm").user
    Responsibility.objects.create(
        key="customer-avaliar-07",
        party="customer",
        phase=Phase.objects.get(code="avaliar"),
        position=28,
        text_pt=NEW_ITEM,
        text_en="Review the migration plan with Microsoft before remediating.",
    )
    Responsibility.objects.filter(key="customer-avaliar-06").update(is_active=False)
    version = catalogue_publish(note="Avaliar", actor=None)
    context = browser.new_context(**{**browser_context_args, "locale": language}, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    if language == "en":
        page.get_by_role("button", name="English").click()
    found = {}
    base = f"{live_server.url}/engagements/{demo.pk}"
    page.goto(f"{base}/catalogue/")
    found["preview"] = serious_violations(page)
    catalogue_apply(engagement=demo, version=version, user=pm)
    page.goto(f"{base}/")
    page.locator("#withdrawn-tasks > summary").click()
    found["tasks with a withdrawn group"] = serious_violations(page)
    scope = {name: getattr(demo, name) for name in SCOPE_FIELDS}
    query = "&".join(f"{name}=on" for name, value in scope.items() if value is True)
    page.goto(f"{base}/scope/?{query}&mam=on&licence_count={demo.licence_count}&preview=1")
    found["scope preview"] = serious_violations(page)
    context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
