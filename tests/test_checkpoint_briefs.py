"""A checkpoint's brief: the summary, decisions and help needed and next steps the managers
write for the executives, kept per checkpoint, in the trail, carried by the status report."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.audit import engagement_chain_problems
from engagements.meetings.briefs import checkpoint_brief_write
from engagements.meetings.services import checkpoint_cancel
from engagements.models import ActivityEvent, CheckpointBrief, EventKind
from engagements.verify.checks import engagement_state_problems
from fasttrack.bounds import BRIEF_MAX_LENGTH
from reports.tasks import file_checkpoint_reports

from .factories import make_checkpoint

CLOCK_START = "2026-10-20 10:00"

BRIEF = {
    "summary": "Avaliar quase concluída.\nHabilitar começa em novembro.",
    "decisions": "Aprovar a janela de manutenção de 14/11.",
    "next_steps": "Migrar o piloto de 50 dispositivos.",
}


@pytest.fixture
def call(engagement, carla, miguel):
    return make_checkpoint(
        engagement,
        carla,
        title="Revisão da avaliação",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        attendees=[carla, miguel],
    )


def brief_url(call):
    return reverse("checkpoint-brief", args=[call.engagement_id, call.pk])


def brief_events(call):
    return list(call.events.filter(kind=EventKind.CHECKPOINT_BRIEF_WRITTEN).order_by("sequence"))


def test_a_manager_writes_the_brief_and_the_trail_keeps_it(client, call, carla):
    client.force_login(carla)
    response = client.post(brief_url(call), BRIEF)
    assert response.status_code == 302
    brief = call.brief
    assert (brief.summary, brief.decisions, brief.next_steps) == tuple(BRIEF.values())
    assert brief.written_by == carla
    (event,) = brief_events(call)
    assert event.actor == carla
    assert event.changes == {name: ["", value] for name, value in BRIEF.items()}
    engagement = call.engagement
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []
    assert engagement_state_problems(engagement) == []


def test_a_change_records_only_what_changed_and_no_change_records_nothing(call, miguel):
    checkpoint_brief_write(checkpoint=call, user=miguel, **BRIEF)
    checkpoint_brief_write(checkpoint=call, user=miguel, **BRIEF)
    checkpoint_brief_write(checkpoint=call, user=miguel, **(BRIEF | {"next_steps": ""}))
    first, second = brief_events(call)
    assert second.changes == {"next_steps": [BRIEF["next_steps"], ""]}
    assert CheckpointBrief.objects.get().next_steps == ""


def test_the_checkpoint_page_offers_the_form_to_managers_and_shows_the_brief_to_viewers(
    clock, client, call, carla, vera
):
    checkpoint_brief_write(checkpoint=call, user=carla, **BRIEF)
    page = reverse("checkpoint-detail", args=[call.engagement_id, call.pk])
    client.force_login(carla)
    content = client.get(page).content.decode()
    assert f'action="{brief_url(call)}"' in content
    client.force_login(vera)
    content = client.get(page).content.decode()
    assert f'action="{brief_url(call)}"' not in content
    assert "Aprovar a janela de manutenção de 14/11." in content
    assert "Escrito por Carla em 20/10/2026 10:00." in content


def test_a_viewer_is_refused_and_nothing_changes(client, call, vera):
    client.force_login(vera)
    assert client.post(brief_url(call), BRIEF).status_code == 403
    with pytest.raises(PermissionDenied):
        checkpoint_brief_write(checkpoint=call, user=vera, **BRIEF)
    assert not CheckpointBrief.objects.exists()
    assert brief_events(call) == []


def test_an_outsider_gets_404(client, call, otto, other_engagement):
    client.force_login(otto)
    assert client.post(brief_url(call), BRIEF).status_code == 404
    with pytest.raises(PermissionDenied):
        checkpoint_brief_write(checkpoint=call, user=otto, **BRIEF)


def test_staff_who_read_every_engagement_may_not_write_it(client, call, ada):
    client.force_login(ada)
    assert client.post(brief_url(call), BRIEF).status_code == 403
    assert not CheckpointBrief.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("summary", "x" * BRIEF_MAX_LENGTH, True),
        ("summary", "x" * (BRIEF_MAX_LENGTH + 1), False),
        ("decisions", "y" * (BRIEF_MAX_LENGTH + 1), False),
        ("next_steps", "linha 1\nlinha 2\tcom tab", True),
        ("next_steps", "sino\x07", False),
        ("summary", "nome\u202eexe.pdf", False),
    ],
)
def test_each_part_is_bounded_in_the_form_and_the_service(
    client, call, carla, field, value, accepted
):
    client.force_login(carla)
    response = client.post(brief_url(call), BRIEF | {field: value})
    assert response.status_code == (302 if accepted else 400)
    assert CheckpointBrief.objects.exists() == accepted
    if not accepted:
        assert response.context["brief_form"].errors[field]
        with pytest.raises(ValidationError) as refused:
            checkpoint_brief_write(checkpoint=call, user=carla, **(BRIEF | {field: value}))
        assert field in refused.value.message_dict
        assert not CheckpointBrief.objects.exists()
        assert brief_events(call) == []


def test_once_the_report_is_filed_the_brief_is_kept_as_it_was_sent(clock, client, call, carla):
    checkpoint_brief_write(checkpoint=call, user=carla, **BRIEF)
    clock(call.ends_at + datetime.timedelta(minutes=5))
    file_checkpoint_reports()
    with pytest.raises(ValidationError):
        checkpoint_brief_write(checkpoint=call, user=carla, **(BRIEF | {"summary": "Outro"}))
    client.force_login(carla)
    page = client.get(reverse("checkpoint-detail", args=[call.engagement_id, call.pk]))
    assert f'action="{brief_url(call)}"' not in page.content.decode()
    response = client.post(brief_url(call), BRIEF | {"summary": "Outro"})
    assert response.status_code == 302
    assert CheckpointBrief.objects.get().summary == BRIEF["summary"]


def test_a_cancelled_checkpoint_s_brief_cannot_change(call, carla):
    checkpoint_cancel(checkpoint=call, user=carla)
    with pytest.raises(ValidationError):
        checkpoint_brief_write(checkpoint=call, user=carla, **BRIEF)


def test_verify_audit_notices_a_brief_changed_around_the_services(call, carla):
    checkpoint_brief_write(checkpoint=call, user=carla, **BRIEF)
    CheckpointBrief.objects.update(decisions="Nada a decidir")
    engagement = call.engagement
    problems = engagement_state_problems(engagement)
    assert problems == [
        f"engagement {engagement.pk} ({engagement.customer}), checkpoint {call.pk}, brief: "
        "decisions is not what its last event wrote"
    ]
    CheckpointBrief.objects.all().delete()
    assert engagement_state_problems(engagement)[0].endswith("brief: missing (deleted?)")


@pytest.mark.parametrize(
    ("language", "told"),
    [
        ("pt-br", "escreveu o resumo de um ponto de verificação para o relatório de situação"),
        ("en", "wrote a checkpoint's summary for the status report"),
    ],
)
def test_the_trail_tells_it_in_the_reader_s_language(clock, client, call, carla, language, told):
    checkpoint_brief_write(checkpoint=call, user=carla, **BRIEF)
    Profile.objects.create(user=carla, language=language, time_zone="America/Sao_Paulo")
    client.force_login(carla)
    page = html.unescape(
        client.get(reverse("engagement-audit", args=[call.engagement_id])).content.decode()
    )
    assert told in page
    label = {"pt-br": "decisões e ajuda necessárias", "en": "decisions and help needed"}[language]
    assert f"{label}: – → Aprovar a janela de manutenção de 14/11." in page
    assert ActivityEvent.objects.filter(kind=EventKind.CHECKPOINT_BRIEF_WRITTEN).count() == 1
