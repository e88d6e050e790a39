"""The status report as an executive reads it: the managers' brief from the checkpoint, the
standing commitments told as how many and who acknowledged them, a file named after the
customer and the day, the time zone named as people say it; in both languages."""

import datetime
import io

import pypdf
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.meetings.briefs import checkpoint_brief_write
from engagements.meetings.services import checkpoint_cancel
from notifications.tasks import dispatch_notifications
from reports.tasks import file_checkpoint_reports

from .factories import make_checkpoint
from .test_reports import (
    contoso_five_weeks_in,
    pdf_text,
    render,
    render_bytes,
    structure_types,
)

CLOCK_START = "2026-09-16 09:00"

BRIEF = {
    "summary": "Avaliar quase concluída; Habilitar começa em novembro.",
    "decisions": "Aprovar a janela de manutenção de 14/11.",
    "next_steps": "Migrar o piloto de 50 dispositivos.",
}


@pytest.fixture
def contoso(clock, engagement, carla, miguel):
    return contoso_five_weeks_in(clock, engagement, carla, miguel)


@pytest.fixture
def held(clock, contoso, carla, miguel):
    """A checkpoint held at 11:00 on 20/10/2026 whose brief Carla wrote; it is 12:30."""
    checkpoint = make_checkpoint(
        contoso,
        carla,
        title="Ponto de controle 3",
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        attendees=[carla, miguel],
    )
    checkpoint_brief_write(checkpoint=checkpoint, user=carla, **BRIEF)
    clock("2026-10-20 12:30")
    return checkpoint


def test_the_brief_of_the_last_checkpoint_held_in_portuguese(held):
    text = render(held.engagement, "pt-br")
    assert (
        "Resumo Escrito por Carla para o ponto de verificação “Ponto de controle 3” de "
        "20/10/2026. Avaliar quase concluída; Habilitar começa em novembro." in text
    )
    assert "Decisões e ajuda necessárias Aprovar a janela de manutenção de 14/11." in text
    assert "Próximos passos Migrar o piloto de 50 dispositivos." in text
    # The at-risk reasons stay beside it.
    assert "Em risco" in text and "2 tarefas atrasadas" in text


def test_the_brief_in_english_and_the_report_s_headings(held):
    content = render_bytes(held.engagement, "en")
    text = pdf_text(content)
    assert (
        "Summary Written by Carla for the checkpoint “Ponto de controle 3” of 20 Oct 2026." in text
    )
    assert "Decisions and help needed Aprovar a janela" in text
    assert "Next steps Migrar o piloto" in text
    reader = pypdf.PdfReader(io.BytesIO(content))
    types = structure_types(reader.trailer["/Root"]["/StructTreeRoot"])
    # Summary, Decisions and help needed, Next steps, then the seven of every report.
    assert types.count("/H2") == 10


def test_a_meeting_still_to_come_or_cancelled_lends_the_report_no_brief(clock, contoso, carla):
    ahead = contoso.checkpoints.get()  # the call of 27/10, still to come
    checkpoint_brief_write(checkpoint=ahead, user=carla, **BRIEF)
    cancelled = make_checkpoint(
        contoso,
        carla,
        title="Cancelada",
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        attendees=[carla],
    )
    checkpoint_brief_write(checkpoint=cancelled, user=carla, **BRIEF)
    checkpoint_cancel(checkpoint=cancelled, user=carla)
    clock("2026-10-20 12:00")
    for language, none_yet in (
        ("pt-br", "Os gerentes ainda não escreveram um resumo em um ponto de verificação."),
        ("en", "The managers have not written a brief at a checkpoint yet."),
    ):
        text = render(contoso, language)
        assert none_yet in text
        assert "Aprovar a janela" not in text


def test_the_filed_report_carries_its_own_checkpoint_s_brief(clock, held, carla, miguel):
    Profile.objects.create(user=miguel, language="en", time_zone="Europe/Lisbon")
    later = held.engagement.checkpoints.get(title="Revisão da avaliação")  # 27/10 10:00–11:00
    checkpoint_brief_write(
        checkpoint=later, user=miguel, **(BRIEF | {"summary": "Habilitar começou."})
    )
    clock("2026-10-27 11:05")
    file_checkpoint_reports()
    dispatch_notifications()
    attachments = {
        message.to[0]: message.attachments[0] for message in mail.outbox if message.attachments
    }
    name, content, _type = attachments["carla@example.com"]
    assert name == "Contoso Indústria e Comércio - situação 2026-10-27.pdf"
    assert "Habilitar começou." in pdf_text(content)
    name, content, _type = attachments["miguel@example.com"]
    assert name == "Contoso Indústria e Comércio - status 2026-10-27.pdf"
    assert "(Western European Standard Time)" in pdf_text(content)


def test_standing_commitments_are_counted_not_listed(contoso):
    general = contoso.tasks.filter(phase=None).order_by("position").first()
    for language, summary in (
        ("pt-br", "responsabilidades gerais reconhecidas por Carla em 20/09/2026 10:00"),
        ("en", "general responsibilities acknowledged by Carla on 20 Sep 2026, 10:00"),
    ):
        text = render(contoso, language)
        assert summary in text
        assert (general.text_pt if language == "pt-br" else general.text_en) not in text


@pytest.mark.parametrize(
    ("language", "disposition"),
    [
        (
            "pt-br",
            "attachment; filename*=utf-8''Contoso%20Ind%C3%BAstria%20e%20Com%C3%A9rcio"
            "%20-%20situa%C3%A7%C3%A3o%202026-10-20.pdf",
        ),
        (
            "en",
            "attachment; filename*=utf-8''Contoso%20Ind%C3%BAstria%20e%20Com%C3%A9rcio"
            "%20-%20status%202026-10-20.pdf",
        ),
    ],
)
def test_the_download_is_named_after_the_customer_and_the_day(
    client, contoso, carla, language, disposition
):
    Profile.objects.create(user=carla, language=language, time_zone="America/Sao_Paulo")
    client.force_login(carla)
    response = client.get(reverse("engagement-status-report", args=[contoso.pk]))
    assert response["Content-Disposition"] == disposition


def test_a_customer_name_no_file_system_takes_is_made_one(client, contoso, carla):
    contoso.customer = 'A/B: "C"?\u202e <D>.'
    contoso.save(update_fields=["customer"])
    client.force_login(carla)
    response = client.get(reverse("engagement-status-report", args=[contoso.pk]))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''A%20B%20C%20D%20-%20situa%C3%A7%C3%A3o%202026-10-20.pdf"
    )
