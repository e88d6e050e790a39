"""The status report: a PDF of the dashboard's figures, in the reader's language and time zone,
read back here with a PDF text extractor."""

import datetime
import hashlib
import io
import logging
import os
import zoneinfo

import pypdf
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.audit import engagement_chain_problems
from engagements.gates.evidence import evidence_add_file
from engagements.gates.services import gate_sign, general_acknowledge
from engagements.meetings.services import checkpoint_cancel
from engagements.models import CheckpointReport, EventKind, Membership, Role
from engagements.services.tasks import task_set_due_date, task_set_owner
from engagements.verify.checks import engagement_state_problems
from notifications.models import Notification, NotificationKind, NotificationStatus
from notifications.tasks import dispatch_notifications
from reports.content import status_report
from reports.pdf import status_report_pdf
from reports.tasks import file_checkpoint_reports
from responsibilities.models import Party, Phase

from .factories import at, make_checkpoint, make_engagement, make_user, tick

CLOCK_START = "2026-09-16 09:00"


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    # Lines wrap where the page ends: join them so a sentence reads whole.
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def structure_types(element) -> list[str]:
    """The structure types under a tagged PDF's element, depth first: what a screen reader
    walks (marked-content ids and annotation references are leaves, not elements)."""
    element = element.get_object()
    if not isinstance(element, dict):
        return []
    found = [element["/S"]] if element.get("/Type") == "/StructElem" else []
    kids = element.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        found += structure_types(kid)
    return found


def font_names(content: bytes) -> set[str]:
    """The base font names used on the report's pages and in the forms they draw."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    names = set()

    def walk(resources):
        resources = resources.get_object() if resources else {}
        for font in resources.get("/Font", {}).values():
            names.add(font.get_object()["/BaseFont"])
        for form in resources.get("/XObject", {}).values():
            walk(form.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return names


@pytest.fixture
def contoso(clock, engagement, carla, miguel):
    return contoso_five_weeks_in(clock, engagement, carla, miguel)


def contoso_five_weeks_in(clock, engagement, carla, miguel):
    """Contoso five weeks in: Iniciar signed off by both parties, two Avaliar tasks overdue (one
    with an owner), one due soon, a checkpoint call ahead."""
    engagement.customer = "Contoso Indústria e Comércio"
    engagement.save(update_fields=["customer"])
    managers = {Party.CUSTOMER: carla, Party.MICROSOFT: miguel}
    clock("2026-09-20 10:00")
    for task in engagement.tasks.filter(phase__code="iniciar"):
        tick(task, managers[task.party])
    general_acknowledge(engagement=engagement, user=carla)
    general_acknowledge(engagement=engagement, user=miguel)
    iniciar = Phase.objects.get(code="iniciar")
    gate_sign(engagement=engagement, phase=iniciar, user=carla, comment="Kick-off feito")
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    avaliar = engagement.tasks.filter(phase__code="avaliar").order_by("position")
    overdue = list(avaliar.filter(party=Party.CUSTOMER)[:2])
    for task in overdue:
        task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 10, 10))
    task_set_owner(task=overdue[0], user=carla, owner=carla)
    soon = avaliar.filter(party=Party.MICROSOFT).first()
    task_set_due_date(task=soon, user=miguel, due_date=datetime.date(2026, 10, 22))
    clock("2026-10-20 10:00")
    make_checkpoint(
        engagement,
        carla,
        title="Revisão da avaliação",
        starts_at=timezone.now() + datetime.timedelta(days=7),
        attendees=[carla, miguel],
    )
    # As a page or the filing reads it: with the stored status its changes wrote.
    engagement.refresh_from_db()
    return engagement


def render_bytes(engagement, language, zone="America/Sao_Paulo") -> bytes:
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        return status_report_pdf(status_report(engagement, timezone.now()))


def render(engagement, language, zone="America/Sao_Paulo") -> str:
    return pdf_text(render_bytes(engagement, language, zone))


def test_the_report_in_portuguese_tells_the_dashboard_s_facts(contoso):
    text = render(contoso, "pt-br")
    assert "Relatório de situação: Contoso Indústria e Comércio" in text
    assert "Em 20/10/2026 10:00 (Horário Padrão de Brasília)" in text
    assert "Em risco" in text
    assert "2 tarefas atrasadas (cliente 2, Microsoft 0)" in text
    assert "Iniciar" in text and "Avaliar" in text
    assert "Fase atual Avaliar" in text
    # The gates: Iniciar closed by both sign-offs, with the comment.
    assert "Carla aprovou pelo cliente em 20/09/2026 10:00: “Kick-off feito”" in text
    assert "Miguel aprovou pela Microsoft em 20/09/2026 10:00" in text
    # Overdue tasks with whom they wait on; the one due soon.
    assert "10/10/2026 ·" in text and "aguardando Carla (Cliente)" in text
    assert "22/10/2026 ·" in text
    assert "Revisão da avaliação, 27/10/2026 10:00" in text
    assert "Burn-up" in text
    # The standing commitments and each party's acknowledgement.
    assert "Responsabilidades gerais" in text
    assert "responsabilidades gerais reconhecidas por Carla em 20/09/2026 10:00" in text


def test_the_report_in_english_in_the_reader_s_time_zone(contoso):
    text = render(contoso, "en", "Europe/Lisbon")
    assert "Status report: Contoso Indústria e Comércio" in text
    assert "As of 20 Oct 2026, 14:00 (Western European Summer Time)" in text
    assert "At risk" in text and "2 tasks overdue (customer 2, Microsoft 0)" in text
    assert "Current phase Assess" in text
    assert "Initiate gate: closed on 20 Sep 2026" in text
    assert "Carla signed off for the customer on 20 Sep 2026, 14:00" in text
    assert "waiting on Carla (Customer)" in text
    assert "General responsibilities" in text
    assert "Relatório" not in text


def test_the_report_s_annex_lists_each_evidence_file_with_its_sha_256(contoso, carla):
    """Emails name evidence files without their hashes; the report's annex keeps them."""
    task = contoso.tasks.filter(phase__code="avaliar", party=Party.CUSTOMER).first()
    content = b"%PDF-1.4 minutes of the assessment"
    evidence_add_file(task=task, user=carla, upload=SimpleUploadedFile("ata.pdf", content))
    text = render(contoso, "pt-br")
    annex = text[text.index("Anexo: arquivos de evidência e o seu SHA-256") :]
    assert "ata.pdf (Avaliar:" in annex
    assert hashlib.sha256(content).hexdigest() in annex.replace("\n", "")


def test_a_report_without_evidence_files_has_no_annex(contoso):
    assert "Annex" not in render(contoso, "en")


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("pt-br", "Relatório de situação: Contoso Indústria e Comércio"),
        ("en", "Status report: Contoso Indústria e Comércio"),
    ],
)
def test_the_report_is_a_tagged_pdf_in_the_reader_s_language(contoso, language, title, caplog):
    content = render_bytes(contoso, language)
    # WeasyPrint logs what PDF/UA lacks (a language, an image's text, a glyph no font has).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    reader = pypdf.PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"].lower() == language
    assert reader.metadata.title == title
    # PDF/UA: the viewer shows the title, not the file name, and the metadata claims PDF/UA-1.
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()
    types = structure_types(catalog["/StructTreeRoot"])
    assert types.count("/H1") == 1
    # Summary, Plan and forecast, Progress, Phase gates, Overdue, Due within 7 days, Burn-up,
    # General responsibilities.
    assert types.count("/H2") == 8
    # The facts, the plan per phase, its milestones and the progress per phase and party (a
    # table a page break splits is tagged once per page).
    assert types.count("/Table") >= 4
    assert {"/TR", "/TH", "/TD", "/L", "/LI", "/Figure"} <= set(types)


def test_the_tables_headers_label_their_cells_and_the_chart_has_a_text(contoso):
    reader = pypdf.PdfReader(io.BytesIO(render_bytes(contoso, "en")))
    elements = []

    def collect(element):
        element = element.get_object()
        if isinstance(element, dict):
            elements.append(element)
            kids = element.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                collect(kid)

    collect(reader.trailer["/Root"]["/StructTreeRoot"])
    headers = {element["/ID"] for element in elements if element.get("/S") == "/TH"}
    cells = [element for element in elements if element.get("/S") == "/TD"]
    assert cells and all(set(cell["/A"]["/Headers"]) <= headers for cell in cells)
    assert all(cell["/A"]["/Headers"] for cell in cells)
    timeline, burnup = [element for element in elements if element.get("/S") == "/Figure"]
    assert timeline["/Alt"].startswith(
        "Timeline: the plan against what happened and the forecast: planned end "
    )
    assert burnup["/Alt"].startswith("Burn-up: tasks done over time, against all tasks")


def test_each_font_subset_has_its_own_tag(contoso):
    names = font_names(render_bytes(contoso, "pt-br"))
    # The vendored regular and bold faces, and nothing the system would fall back on.
    fonts = sorted(name.split("+")[1] for name in names)
    assert fonts == ["DejaVu-Sans-Report", "DejaVu-Sans-Report-Bold"]
    assert len({name.split("+")[0] for name in names}) == 2


def test_a_member_downloads_the_report_in_their_language(client, contoso, vera):
    Profile.objects.create(user=vera, language="en", time_zone="UTC")
    client.force_login(vera)
    response = client.get(reverse("engagement-status-report", args=[contoso.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    # Like evidence: no shared cache keeps it, nor the browser's once it is saved.
    assert response["Cache-Control"] == "private, no-store"
    assert "As of 20 Oct 2026, 13:00 (Coordinated Universal Time)" in pdf_text(response.content)


def test_staff_and_leads_read_it_and_an_outsider_gets_404(client, contoso, ada, otto):
    url = reverse("engagement-status-report", args=[contoso.pk])
    client.force_login(ada)
    assert client.get(url).status_code == 200
    client.force_login(otto)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_dashboard_and_task_page_link_to_it(client, contoso, carla):
    client.force_login(carla)
    url = reverse("engagement-status-report", args=[contoso.pk])
    for page in ("engagement-dashboard", "engagement-detail"):
        assert url in client.get(reverse(page, args=[contoso.pk])).content.decode()


def test_a_name_with_bidi_controls_cannot_reorder_the_report(contoso, carla):
    carla.first_name = "Carla\u202egnp.exe"
    carla.save()
    text = render(contoso, "pt-br")
    assert "Carlagnp.exe" in text
    assert "\u202e" not in text


def test_an_engagement_without_activity_still_renders(clock, catalogue, ada):
    engagement = make_engagement(created_by=ada, customer="Vazia")
    Membership.objects.create(
        engagement=engagement, user=make_user("paula"), party=Party.CUSTOMER, role=Role.MANAGER
    )
    text = render(engagement, "pt-br")
    assert "Nenhuma." in text or "Nenhum." in text
    assert "ainda não reconhecida" in text


@pytest.fixture
def call(contoso):
    """Contoso's checkpoint call: 27/10/2026 10:00–11:00, Carla and Miguel attending."""
    return contoso.checkpoints.get()


def report_emails():
    return [
        message
        for message in mail.outbox
        if message.extra_headers["X-FastTrack-Notification"].startswith("checkpoint-report")
    ]


def test_each_attendee_gets_the_report_once_in_their_language_with_the_beat_run_twice(
    clock, call, carla, miguel
):
    Profile.objects.create(user=miguel, language="en", time_zone="Europe/Lisbon")
    clock("2026-10-27 10:30")  # the meeting is on: nothing yet
    file_checkpoint_reports()
    assert not call.reports.exists()
    clock("2026-10-27 11:05")
    file_checkpoint_reports()
    file_checkpoint_reports()
    dispatch_notifications()
    dispatch_notifications()
    reports = {(r.language, r.time_zone): r for r in call.reports.all()}
    assert set(reports) == {("pt-br", "America/Sao_Paulo"), ("en", "Europe/Lisbon")}
    emails = {message.to[0]: message for message in report_emails()}
    assert sorted(emails) == ["carla@example.com", "miguel@example.com"]
    subject = "Relatório de situação após “Revisão da avaliação”"
    assert emails["carla@example.com"].subject == subject
    for address, reading, phrase in (
        ("carla@example.com", ("pt-br", "America/Sao_Paulo"), "Em 27/10/2026 11:05"),
        ("miguel@example.com", ("en", "Europe/Lisbon"), "As of 27 Oct 2026, 14:05"),
    ):
        name, content, mimetype = emails[address].attachments[0]
        assert mimetype == "application/pdf"
        # The bytes sent are the bytes filed, whose hash the trail keeps.
        assert hashlib.sha256(content).hexdigest() == reports[reading].sha256
        assert phrase in pdf_text(content)
        assert "Revisão da avaliação" in pdf_text(content)
    assert Notification.objects.filter(kind=NotificationKind.CHECKPOINT_REPORT).count() == 2


def test_the_filed_report_is_in_the_trail_and_verify_audit_notices_it_altered(clock, call):
    clock("2026-10-27 11:05")
    file_checkpoint_reports()
    report = call.reports.get()
    event = call.events.get(kind=EventKind.CHECKPOINT_REPORT_FILED)
    assert event.changes["sha256"] == report.sha256
    assert {person["name"] for person in event.changes["recipients"]} == {"Carla", "Miguel"}
    with report.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == report.sha256
    contoso = call.engagement
    contoso.refresh_from_db()
    assert engagement_chain_problems(contoso) == []
    assert engagement_state_problems(contoso) == []

    with open(report.file.path, "ab") as stored:
        stored.write(b"% a line added later\n")
    problems = engagement_state_problems(contoso)
    assert len(problems) == 1
    assert f"report {report.pk} (pt-br): the stored report's SHA-256 is" in problems[0]
    os.remove(report.file.path)
    assert "the stored report is missing" in engagement_state_problems(contoso)[0]


def test_the_trail_tells_the_filing_in_the_reader_s_language(clock, client, call, carla):
    clock("2026-10-27 11:05")
    file_checkpoint_reports()
    client.force_login(carla)
    page = client.get(reverse("engagement-audit", args=[call.engagement_id])).content.decode()
    assert "arquivou o relatório de situação de um ponto de verificação" in page
    assert "em Português Brasileiro, Horário Padrão de Brasília" in page


def test_no_report_for_a_cancelled_meeting_nor_one_that_ended_long_before(clock, contoso, carla):
    cancelled = make_checkpoint(
        contoso, carla, title="Cancelada", starts_at=at("2026-10-21 10:00"), attendees=[carla]
    )
    checkpoint_cancel(checkpoint=cancelled, user=carla)
    clock("2026-11-05 12:00")  # the call of 27/10 ended more than three days ago
    file_checkpoint_reports()
    assert not CheckpointReport.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.CHECKPOINT_REPORT).exists()


def test_an_attendee_who_left_the_engagement_is_not_sent_it(clock, call, miguel):
    clock("2026-10-27 11:05")
    file_checkpoint_reports()
    Membership.objects.filter(user=miguel).delete()
    dispatch_notifications()
    assert [message.to for message in report_emails()] == [["carla@example.com"]]
    dropped = Notification.objects.get(kind=NotificationKind.CHECKPOINT_REPORT, recipient=miguel)
    assert dropped.status == NotificationStatus.DROPPED


def test_markup_and_control_characters_in_stored_texts_stay_out_of_the_report(contoso):
    """Stored before input bounds refused them: a control character would garble the font's
    text map (every word of that font read back letter by letter), a quote or a tag would
    end the footer's string or the style sheet."""
    contoso.customer = 'Evil "</style><h1>x\\'
    contoso.save(update_fields=["customer"])
    task = contoso.tasks.filter(due_date__isnull=False).order_by("due_date", "position").first()
    task.text_en = "Ring\x07 the\x1bbell\nnow"
    task.save(update_fields=["text_en"])
    content = render_bytes(contoso, "en")
    text = pdf_text(content)
    assert 'Status report: Evil "</style><h1>x\\ As of 20 Oct 2026, 10:00' in text
    assert "Ring the bell now" in text
    assert 'Status report: Evil "</style><h1>x\\ · Page 1 of 3' in text
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert structure_types(reader.trailer["/Root"]["/StructTreeRoot"]).count("/H1") == 1
