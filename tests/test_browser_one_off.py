"""Adding a one-off task in real headless Chromium, in both languages, at desktop and phone
widths: the form, the task in its phase afterwards, axe clean (axe is injected, so these pages
run without their CSP; the templates hold no inline script or style)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagements.models import Task

from .test_browser import log_in, serious_violations

pytestmark = pytest.mark.browser

WORDS = {
    "pt-BR": {"phase": "Avaliar", "button": "Adicionar a tarefa", "mark": "adicionada manualmente"},
    "en": {"phase": "Assess", "button": "Add the task", "mark": "added by hand"},
}


@pytest.mark.parametrize(("language", "width"), [("pt-BR", 1280), ("en", 390)])
def test_a_manager_adds_a_task_of_their_own(
    live_server, browser, browser_context_args, demo, language, width
):
    words = WORDS[language]
    context = browser.new_context(
        **{**browser_context_args, "locale": language},
        viewport={"width": width, "height": 900},
        bypass_csp=True,
    )
    page = context.new_page()
    log_in(page, live_server.url, "pm")
    if language == "en":
        page.get_by_role("button", name="English").click()
    base = f"{live_server.url}/engagements/{demo.pk}"
    page.goto(f"{base}/")
    page.locator(f'a[href="/engagements/{demo.pk}/tasks/add/"]').click()
    assert serious_violations(page) == []
    text = f"Revisar o acesso condicional com a segurança ({language})"
    due = timezone.localdate() + datetime.timedelta(days=9)
    page.select_option("#id_phase", label=words["phase"])
    page.fill("#id_text", text)
    page.select_option("#id_language", "pt-br")
    page.fill("#id_due_date", due.isoformat())
    page.check("#id_evidence_required")
    page.fill("#id_evidence_hint", "A ata da reunião")
    page.get_by_role("button", name=words["button"]).click()
    task = Task.objects.get(engagement=demo, text_pt=text)
    page.wait_for_url(f"{base}/#task-{task.pk}")
    row = page.locator(f"#task-{task.pk}")
    expect(row).to_contain_text(text)
    expect(row).to_contain_text(words["mark"])
    assert row.locator('[lang="pt-br"]').count() == 1
    assert (task.due_date, task.evidence_required, task.phase.code) == (due, True, "avaliar")
    assert serious_violations(page) == []
    context.close()
