"""Issue 12's journey in real headless Chromium: evidence on a task, a tick made on the other
party's behalf confirmed, the Assess gate signed by both parties, then reopened with a reason.

Screenshots go to test-results/screenshots/ (gates-*.png), as the other journeys' do.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from engagements.gates.evidence import evidence_add_link
from engagements.gates.services import active_sign_offs, gate_sign
from engagements.models import GateSignOff, Task
from engagements.services.tasks import task_set_done
from responsibilities.models import Party, Phase

from .test_browser import csp_errors, log_in, serious_violations

pytestmark = pytest.mark.browser

# The customer's Avaliar task left for the browser: it needs evidence and the demo leaves it
# open with none. (customer-avaliar-03, the remediation checklist, is already done in the demo
# with a link, and evidence is never removed, so it could no longer show the refusal.)
EVIDENCE_ITEM = "customer-avaliar-06"
# Microsoft's remediation checklist, ticked by the customer's manager on Microsoft's behalf.
ON_BEHALF_ITEM = "microsoft-avaliar-04"
REOPEN_REASON = "O plano de suporte precisa de uma revisão do time de rede"


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF that readers open: five objects, a cross-reference table with their true
    offsets, and a trailer."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def assess_awaiting_the_last_task(engagement) -> tuple[Task, Task]:
    """Bring the demo's Contoso, through the services, to where the journey starts: the gates
    before Avaliar closed, every Avaliar task done but the customer's evidence task, and one
    Microsoft task ticked by the customer's manager on Microsoft's behalf.

    Returns (the evidence task, the task awaiting Microsoft's confirmation). Whatever a phase
    will need before its gate can be signed (acknowledgements, say) belongs here.
    """
    users = get_user_model().objects
    managers = {
        Party.CUSTOMER: users.get(username="pm"),
        Party.MICROSOFT: users.get(username="msft"),
    }
    avaliar = Phase.objects.get(code="avaliar")
    for phase in Phase.objects.filter(order__lt=avaliar.order):
        gate = engagement.gates.filter(phase=phase).first()
        signed = set(active_sign_offs(gate).values_list("party", flat=True)) if gate else set()
        for party, manager in managers.items():
            if party not in signed:
                gate_sign(engagement=engagement, phase=phase, user=manager)

    tasks = engagement.tasks.filter(phase=avaliar)
    evidence_task = tasks.get(responsibility__key=EVIDENCE_ITEM)
    on_behalf = tasks.get(responsibility__key=ON_BEHALF_ITEM)
    assert evidence_task.evidence_required and not evidence_task.done
    assert not evidence_task.evidence.exists()
    assert on_behalf.party == Party.MICROSOFT and not on_behalf.done

    def tick(task, manager):
        if task.evidence_required and not task.evidence.exists():
            evidence_add_link(
                task=task, user=manager, url=f"https://docs.contoso.example/fasttrack/{task.pk}"
            )
        task_set_done(task=task, user=manager, done=True)

    for task in tasks.filter(done=False).exclude(pk__in=[evidence_task.pk, on_behalf.pk]):
        tick(task, managers[task.party])
    # The services leave who may tick to the views: here the customer's manager acts for
    # Microsoft, as if Microsoft had had no manager at the time.
    tick(on_behalf, managers[Party.CUSTOMER])
    on_behalf.refresh_from_db()
    assert on_behalf.awaiting_confirmation
    assert list(tasks.filter(done=False)) == [evidence_task]
    return evidence_task, on_behalf


def gate_panel(page, phase_name):
    return page.get_by_role("region", name=re.compile(f"^Aprovação de {phase_name}"))


def current_phase(page):
    return page.locator("dl.facts dt:has-text('Fase atual') + dd")


def screenshot_recent_activity(page, items, path):
    """The activity list's heading and its first items, list numbers included."""
    page.locator("#activity").evaluate("section => section.scrollIntoView()")
    section = page.locator("#activity").bounding_box()
    last = page.locator("#activity li").nth(items - 1).bounding_box()
    left = max(section["x"] - 40, 0)
    page.screenshot(
        path=path,
        clip={
            "x": left,
            "y": section["y"],
            "width": section["x"] + section["width"] - left,
            "height": last["y"] + last["height"] - section["y"] + 2,
        },
    )


def test_12_evidence_then_both_parties_sign_the_assess_gate_and_one_reopens_it(
    live_server, browser, browser_context_args, demo, screenshot_dir
):
    evidence_task, on_behalf = assess_awaiting_the_last_task(demo)
    tasks_url = f"{live_server.url}/engagements/{demo.pk}/"
    dashboard_url = f"{tasks_url}dashboard/"
    # axe is injected into a second session of the customer's manager that lifts the policy,
    # so the journey's own pages keep it and report any violation.
    axe_context = browser.new_context(**browser_context_args, bypass_csp=True)
    axe_page = axe_context.new_page()
    log_in(axe_page, live_server.url, "pm")
    found = {}

    # The customer's manager tries to tick the task and is told it needs evidence first.
    customer = browser.new_context(**browser_context_args)
    page = customer.new_page()
    violations = csp_errors(page)
    log_in(page, live_server.url, "pm")
    page.get_by_role("link", name="Contoso").click()
    row = page.locator(f"#task-{evidence_task.pk}")
    expect(row.locator(".evidence-hint")).to_contain_text("O plano de suporte")
    row.get_by_role("button", name="Marcar como concluída").click()
    expect(row.get_by_role("alert")).to_contain_text("precisa de evidência")
    expect(row.get_by_role("button", name="Marcar como concluída")).to_be_visible()
    assert not Task.objects.get(pk=evidence_task.pk).done
    page.screenshot(path=screenshot_dir / "gates-1-evidence-refused.png")
    axe_page.goto(tasks_url)
    axe_page.locator(f"#task-{evidence_task.pk} button.tick").click()
    expect(axe_page.locator(f"#task-{evidence_task.pk}").get_by_role("alert")).to_be_visible()
    found["refusal and evidence form"] = serious_violations(axe_page)

    # The refusal left the evidence panel open: a PDF with a caption, then the tick.
    panel = row.locator("details.task-evidence")
    expect(panel).to_have_attribute("open", "")
    panel.get_by_label("Arquivo").set_input_files(
        {
            "name": "plano-de-suporte.pdf",
            "mimeType": "application/pdf",
            "buffer": minimal_pdf("Plano de suporte para a migracao"),
        }
    )
    panel.get_by_label("Legenda").fill("Plano de suporte aprovado pelo comitê")
    panel.get_by_role("button", name="Adicionar evidência").click()
    # Added in place, as a comment is: the row alone is swapped (no reload, so the page keeps
    # its filters and place), its panel stays open and says so where the person is looking.
    row = page.locator(f"#task-{evidence_task.pk}")
    panel = row.locator("details.task-evidence")
    expect(panel.get_by_role("status")).to_contain_text("Salvo.")
    expect(panel).to_have_attribute("open", "")
    expect(panel.get_by_role("status")).to_be_in_viewport()
    assert "#task-" not in page.url
    evidence = row.locator(".evidence-list li")
    expect(evidence).to_have_count(1)
    expect(evidence).to_contain_text("Plano de suporte aprovado pelo comitê")
    expect(evidence.get_by_role("link", name="plano-de-suporte.pdf")).to_be_visible()
    expect(evidence).to_contain_text("Paula Gerente")
    row.get_by_role("button", name="Marcar como concluída").click()
    expect(row.locator("button.tick")).to_have_attribute("aria-pressed", "true")
    expect(row.locator("button.tick")).to_contain_text("Concluída")
    expect(row.locator(".done-by")).to_contain_text("Paula Gerente")
    row.locator("details.task-evidence > summary").click()  # the swapped row comes folded
    expect(row.locator(".evidence-list li")).to_contain_text("plano-de-suporte.pdf")
    row.screenshot(path=screenshot_dir / "gates-2-evidence-panel.png")
    stored = Task.objects.get(pk=evidence_task.pk).evidence.get()
    assert (stored.content_type, stored.caption) == (
        "application/pdf",
        "Plano de suporte aprovado pelo comitê",
    )

    # Microsoft's manager confirms the tick made on Microsoft's behalf, then signs the gate.
    microsoft = browser.new_context(**browser_context_args)
    msft_page = microsoft.new_page()
    msft_violations = csp_errors(msft_page)
    log_in(msft_page, live_server.url, "msft")
    msft_page.goto(tasks_url)
    # Every Avaliar task is done, but a tick awaits confirmation: the phase stays open and its
    # gate says why it cannot be signed yet.
    expect(msft_page.locator("#phase-avaliar")).to_have_attribute("open", "")
    expect(gate_panel(msft_page, "Avaliar")).to_contain_text(
        "1 tarefa foi marcada em nome da sua parte e aguarda a confirmação"
    )
    # Not offered while the tick waits: the service would refuse it.
    expect(
        gate_panel(msft_page, "Avaliar").get_by_role(
            "button", name="Aprovar Avaliar pela Microsoft"
        )
    ).to_have_count(0)
    behalf_row = msft_page.locator(f"#task-{on_behalf.pk}")
    expect(behalf_row).to_contain_text("aguardando a confirmação")
    # Confirming swaps the row and the phase's gate, which now offers the sign-off.
    behalf_row.get_by_role("button", name="Confirmar").click()
    expect(behalf_row).not_to_contain_text("aguardando a confirmação")
    expect(behalf_row.locator("button.tick")).to_have_attribute("aria-pressed", "true")
    assert not Task.objects.get(pk=on_behalf.pk).awaiting_confirmation

    gate = gate_panel(msft_page, "Avaliar")
    expect(gate.get_by_role("heading")).to_contain_text("aguardando a aprovação das duas partes")
    expect(gate.get_by_role("button", name="Aprovar Avaliar pelo cliente")).to_have_count(0)
    gate.get_by_label("Comentário (opcional)").fill("Avaliação revisada com a Contoso")
    gate.get_by_role("button", name="Aprovar Avaliar pela Microsoft").click()
    expect(msft_page.locator(".messages")).to_contain_text("Avaliar aprovada pela Microsoft.")
    gate = gate_panel(msft_page, "Avaliar")
    expect(gate.get_by_role("listitem")).to_have_count(1)
    expect(gate.get_by_role("listitem")).to_contain_text("Marcos Microsoft aprovou pela Microsoft")
    expect(gate.get_by_role("listitem")).to_contain_text("“Avaliação revisada com a Contoso”")
    # The gate says whose sign-off it still awaits.
    expect(gate.get_by_role("heading")).to_contain_text("aguardando a aprovação do cliente")
    axe_page.goto(tasks_url)
    found["gate signed by one party"] = serious_violations(axe_page)

    # The customer's manager signs too, which closes the gate.
    page.goto(tasks_url)
    gate = gate_panel(page, "Avaliar")
    expect(gate).to_contain_text("Marcos Microsoft aprovou pela Microsoft")
    gate.get_by_role("button", name="Aprovar Avaliar pelo cliente").click()
    expect(page.locator(".messages")).to_contain_text("Avaliar aprovada pelo cliente.")
    gate = gate_panel(page, "Avaliar")
    expect(gate.get_by_role("heading")).to_contain_text("encerrada")
    expect(gate.get_by_role("listitem")).to_have_count(2)
    expect(gate.get_by_role("listitem").nth(1)).to_contain_text(
        "Paula Gerente aprovou pelo cliente"
    )
    # Reopening is folded apart from the sign-offs: its button shows only once asked for.
    expect(gate.get_by_role("button", name="Reabrir Avaliar")).to_be_hidden()
    expect(gate.get_by_text("Reabrir Avaliar…")).to_be_visible()
    gate.scroll_into_view_if_needed()
    gate.screenshot(path=screenshot_dir / "gates-3-assess-signed.png")
    axe_page.goto(tasks_url)
    found["gate closed"] = serious_violations(axe_page)

    # The dashboard: Avaliar closed, Corrigir the current phase.
    page.goto(dashboard_url)
    expect(current_phase(page)).to_contain_text("Corrigir")
    gates = page.locator("ul.gates")
    expect(gates).to_contain_text(re.compile(r"Iniciar: encerrada em \d\d/\d\d/\d{4}"))
    expect(gates).to_contain_text(re.compile(r"Avaliar: encerrada em \d\d/\d\d/\d{4}"))
    page.screenshot(path=screenshot_dir / "gates-4-dashboard-assess-closed.png", full_page=True)
    axe_page.goto(dashboard_url)
    found["dashboard, gate closed"] = serious_violations(axe_page)

    # Microsoft's manager reopens it with a reason: both sign-offs are withdrawn.
    msft_page.goto(tasks_url)
    gate = gate_panel(msft_page, "Avaliar")
    gate.get_by_text("Reabrir Avaliar…").click()
    gate.get_by_label("Por que reabrir").fill(REOPEN_REASON)
    gate.get_by_role("button", name="Reabrir Avaliar").click()
    expect(msft_page.locator(".messages")).to_contain_text(
        "Avaliar reaberta: as aprovações foram retiradas."
    )
    gate = gate_panel(msft_page, "Avaliar")
    expect(gate.get_by_role("heading")).to_contain_text("aguardando a aprovação das duas partes")
    expect(gate).to_contain_text(f"“{REOPEN_REASON}”. Estas aprovações foram retiradas:")
    withdrawn_items = gate.locator("ul.withdrawn").get_by_role("listitem")
    expect(withdrawn_items).to_have_count(2)
    expect(withdrawn_items.nth(0)).to_contain_text("Marcos Microsoft")
    expect(withdrawn_items.nth(1)).to_contain_text("Paula Gerente")
    expect(withdrawn_items.nth(1)).to_contain_text("(retirada)")
    expect(gate.get_by_role("button", name="Aprovar Avaliar pela Microsoft")).to_be_visible()
    reopened = msft_page.locator("#activity li").first
    expect(reopened).to_contain_text("Marcos Microsoft")
    expect(reopened).to_contain_text("Avaliar: aprovações retiradas (Cliente, Microsoft)")
    expect(reopened).to_contain_text(REOPEN_REASON)
    gate.scroll_into_view_if_needed()
    msft_page.screenshot(path=screenshot_dir / "gates-5-assess-reopened.png")
    screenshot_recent_activity(msft_page, 7, screenshot_dir / "gates-6-reopened-activity.png")
    axe_page.goto(tasks_url)
    found["gate reopened"] = serious_violations(axe_page)

    # The customer's dashboard no longer shows Avaliar closed: it is the current phase again.
    page.goto(dashboard_url)
    expect(current_phase(page)).to_contain_text("Avaliar")
    expect(current_phase(page)).to_contain_text("aguardando a aprovação das duas partes")
    gates = page.locator("ul.gates")
    expect(gates).to_contain_text(re.compile(r"Iniciar: encerrada em"))
    expect(gates).not_to_contain_text("Avaliar: encerrada")
    expect(gates).to_contain_text("Avaliar: aguardando a aprovação das duas partes")

    for context in (axe_context, customer, microsoft):
        context.close()
    withdrawn = GateSignOff.objects.filter(gate__engagement=demo, gate__phase__code="avaliar")
    assert sorted(withdrawn.values_list("party", "withdrawn_reason")) == [
        (Party.CUSTOMER, REOPEN_REASON),
        (Party.MICROSOFT, REOPEN_REASON),
    ]
    assert not withdrawn.filter(withdrawn_at__isnull=True).exists()
    call_command("verify_audit")  # every step above left an intact, consistent trail
    assert violations == [] and msft_violations == []
    assert {name: problems for name, problems in found.items() if problems} == {}
