"""The English and Portuguese pages say what they mean, in their own words."""

import datetime
import re

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.models import Role, Task
from engagements.services.invitations import invitation_token
from engagements.services.members import member_invite
from engagements.services.share_links import share_link_create, share_link_revoke
from responsibilities.models import Party, Phase

from .test_notifications import dispatch

PORTUGUESE_PHASE_NAMES = re.compile(r"\b(Iniciar|Avaliar|Corrigir|Habilitar)\b")


def test_every_english_message_is_its_own_source_text():
    """makemessages fills new entries with a neighbour's words; English must say its own."""
    path = settings.LOCALE_PATHS[0] / "en" / "LC_MESSAGES" / "django.po"
    wrong = [
        entry.msgid
        for entry in polib.pofile(str(path))
        if (entry.msgid_plural and entry.msgstr_plural != {0: entry.msgid, 1: entry.msgid_plural})
        or (not entry.msgid_plural and entry.msgstr != entry.msgid)
    ]
    assert wrong == []


def test_english_phase_names_and_goals_name_no_portuguese_phase(catalogue):
    for phase in Phase.objects.all():
        assert not PORTUGUESE_PHASE_NAMES.search(phase.name_en + " " + phase.goal_en), phase.code


def test_the_audit_page_counts_events_in_english(client, carla, engagement):
    Profile.objects.create(user=carla, language="en")
    share_link_create(
        engagement=engagement,
        user=carla,
        label="Board",
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    client.force_login(carla)
    page = client.get(reverse("engagement-audit", args=[engagement.pk])).content.decode()
    footer = re.search(r'<p class="count">(.*?)</p>', page).group(1)
    assert footer == f"{engagement.events.count()} events"


def test_the_audit_page_shows_no_developer_command(client, carla, engagement):
    client.force_login(carla)
    page = client.get(reverse("engagement-audit", args=[engagement.pk])).content.decode()
    assert "manage.py" not in page and "verify_audit" not in page


def test_saving_preferences_in_english_says_so_in_english(client, carla):
    client.force_login(carla)
    response = client.post(
        reverse("profile"),
        {"language": "en", "time_zone": "Europe/Lisbon"},
        follow=True,
    )
    page = response.content.decode()
    assert "Preferences saved." in page
    assert "Preferências salvas." not in page


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_the_revoked_link_page_ends_each_sentence_once(client, carla, engagement, language):
    link, token = share_link_create(
        engagement=engagement,
        user=carla,
        label="Board",
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    share_link_revoke(link=link, user=carla)
    page = client.get(
        reverse("shared-dashboard", args=[token]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert ".." not in page


def test_a_shortened_text_keeps_its_first_letter_first(client, carla, engagement):
    """Django's Portuguese ellipsis pattern puts a space before the text; ours does not."""
    task = engagement.tasks.exclude(phase=None).first()
    long_text = "Gerenciamento " + "de políticas " * 10
    Task.objects.filter(pk=task.pk).update(text_pt=long_text, due_date=timezone.localdate())
    client.force_login(carla)
    page = client.get(reverse("engagement-dashboard", args=[engagement.pk])).content.decode()
    assert f">{long_text[:119]}…</a>" in page


def test_a_task_without_evidence_or_comments_says_none_in_portuguese(client, carla, engagement):
    """pt-BR's singular covers 0 ("0 evidência"): nothing reads "nenhuma"."""
    client.force_login(carla)
    page = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "Evidências e comentários: nenhuma evidência, nenhum comentário" in page
    assert "0 evidência" not in page and "0 comentário" not in page


def test_the_invitation_in_portuguese_assumes_no_gender_and_says_engajamento(
    client, carla, engagement
):
    membership = member_invite(
        engagement=engagement,
        invited_by=carla,
        party=Party.CUSTOMER,
        email="nova@example.com",
        name="Nova Pessoa",
        role=Role.VIEWER,
    )
    dispatch()
    (message,) = [m for m in mail.outbox if m.to == ["nova@example.com"]]
    for text in (message.subject, message.body):
        assert "adicionad" not in text and "convidad" not in text and "integração" not in text
    assert message.subject.endswith("Boas-vindas ao engajamento FastTrack de Fabrikam")
    assert "Agora você faz parte do engajamento FastTrack de Fabrikam" in message.body
    page = client.get(reverse("invitation", args=[invitation_token(membership)]))
    assert (
        "Este convite é para o engajamento FastTrack de Fabrikam, pelo cliente, com o papel de"
        in page.content.decode()
    )


def test_the_admin_shows_the_sign_in_lockout_in_portuguese(client, ada):
    client.force_login(ada)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Bloqueio de acesso" in page and "Tentativas de acesso" in page
    assert "Registros de acesso" in page and "Falhas de acesso" in page
    assert "Access attempts" not in page and "Access logs" not in page and ">Axes<" not in page


@pytest.mark.parametrize(
    ("language", "zone", "footer"),
    [
        ("pt-br", "America/Sao_Paulo", "Fuso horário: Horário de Brasília (São Paulo)."),
        ("en", "Europe/Lisbon", "Times are in Western European Time (Lisbon)."),
        ("en", "UTC", "Times are in Coordinated Universal Time (UTC)."),
    ],
)
def test_emails_name_the_time_zone_as_people_say_it(carla, engagement, language, zone, footer):
    membership = member_invite(
        engagement=engagement,
        invited_by=carla,
        party=Party.CUSTOMER,
        email="nova@example.com",
        name="Nova Pessoa",
        role=Role.VIEWER,
    )
    Profile.objects.update_or_create(
        user=membership.user, defaults={"language": language, "time_zone": zone}
    )
    dispatch()
    (message,) = [m for m in mail.outbox if m.to == ["nova@example.com"]]
    assert footer in message.body and footer in message.alternatives[0][0]
    assert zone == "UTC" or zone not in message.body
