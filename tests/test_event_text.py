"""Events keep what changed as data and tell it to each reader in their language and time zone."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.activity.text import event_change_text
from engagements.models import ActivityEvent, EventKind

from .factories import (
    FABRIKAM_TENANT,
    catalogue_ensure,
    make_persona,
    make_team_engagement,
    read_csv,
    record_every_kind,
)
from .shared import shared_rows

NOW = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T")
FIELD_NAME = re.compile(r"\b[a-z]+_[a-z_]+:")  # starts_at:, start_date:, licence_count: …
OTHER_LANGUAGE = {
    "en": ["Cliente", "Leitor", "Gerente", "Avaliar", "Dezembro", " até ", " sim", "tarefas"],
    "pt-br": ["Customer", "Viewer", "Manager", "Assess", "Dec", "until", " yes", " tasks"],
}
EXPECTED = {
    "en": {
        EventKind.ENGAGEMENT_CREATED: "{tasks} tasks",
        EventKind.ACCOUNT_BOUND: "Miguel, tenant 72f988bf-86f1-41af-91ab-2d7cd011db47",
        EventKind.TENANT_CONNECTED: f"Fabrikam Ltd (tenant {FABRIKAM_TENANT}), permissions: "
        "Identity and Intune",
        EventKind.TENANT_DISCONNECTED: f"Fabrikam Ltd (tenant {FABRIKAM_TENANT})",
        EventKind.TENANT_REVOKED: "the tenant no longer lets the portal read it: its consent "
        "was withdrawn or the app removed",
        EventKind.TENANT_CHECKED: "1 check: 0 confirm, 1 do not, 0 cannot tell",
        EventKind.TENANT_DRIFT: "Directory synchronisation is on and has synced in the last 3 "
        "hours.",
        EventKind.NOTE_CHANGED: "note: – → Aguardando o cliente",
        EventKind.DUE_DATE_CHANGED: "due date: – → 15 Dec 2026",
        EventKind.OWNER_CHANGED: "owner: Nina → –",
        EventKind.CHECKPOINT_SCHEDULED: "10 Nov 2026, 10:00 – 10 Nov 2026, 11:00",
        EventKind.CHECKPOINT_CHANGED: (
            "phase: Assess → Remediate; kind: Checkpoint call → Kick-off; "
            "starts: 10 Nov 2026, 10:00 → 12 Nov 2026, 10:00; "
            "ends: 10 Nov 2026, 11:00 → 12 Nov 2026, 11:30; "
            "attendees: Carla → Carla, Nina"
        ),
        EventKind.CHECKPOINT_CANCELLED: "12 Nov 2026, 10:00 – 12 Nov 2026, 11:30",
        EventKind.MEMBER_ADDED: "Nina (Customer, Viewer)",
        EventKind.MEMBER_CHANGED: "Nina (Customer, Viewer) → Nina (Customer, Manager)",
        EventKind.MEMBER_REMOVED: "Nina (Customer, Manager)",
        EventKind.ENGAGEMENT_CHANGED: (
            "customer organisation: Fabrikam → Fabrikam Brasil; "
            "Federated identity (AD FS): no → yes; start date: 15 Sep 2026 → 20 Sep 2026"
        ),
        EventKind.SHARE_LINK_CREATED: "Diretoria, until 1 Dec 2026",
        EventKind.SHARE_LINK_REVOKED: "Diretoria, until 1 Dec 2026",
        EventKind.EVIDENCE_REPLACED: "Plano: https://docs.example.com/plano-v2",
        EventKind.COMMENT_ADDED: "Enviado ao cliente",
        EventKind.CATALOGUE_APPLIED: "version 1 → 2: 4 tasks changed",
        EventKind.TASK_UPDATED: (
            "catalogue version 2: text (English): Attend meetings to plan the online service "
            "configuration. → Attend the meetings on the online services."
        ),
        EventKind.TASK_WORDING_KEPT: (
            "done under the earlier wording, which it keeps; catalogue version 2 reads: "
            "text (English): Attend meetings to map out the user provisioning approach. → "
            "Attend the meetings on user provisioning."
        ),
        # The last of each kind: MAM into the scope, out and back.
        EventKind.TASK_ADDED: "the engagement's scope now includes it",
        EventKind.TASK_WITHDRAWN: "no longer in the engagement's scope",
        EventKind.TASK_RESTORED: "back in the engagement's scope",
        EventKind.CHECKPOINT_BRIEF_WRITTEN: (
            "summary: – → Encerramento combinado; next steps: – → Revisar o piloto"
        ),
        EventKind.PLAN_BASELINED: (
            "Initiate: 15 Sep 2026 to 25 Sep 2026; Assess: 25 Sep 2026 to 16 Oct 2026; "
            "Remediate: 16 Oct 2026 to 13 Nov 2026; Enable: 13 Nov 2026 to 18 Dec 2026"
        ),
        EventKind.PLAN_CHANGED: (
            "version 2: Assess: 25 Sep 2026 to 16 Oct 2026 → 25 Sep 2026 to 30 Oct 2026"
        ),
    },
    "pt-br": {
        EventKind.ENGAGEMENT_CREATED: "{tasks} tarefas",
        EventKind.ACCOUNT_BOUND: "Miguel, tenant 72f988bf-86f1-41af-91ab-2d7cd011db47",
        EventKind.TENANT_CONNECTED: f"Fabrikam Ltd (tenant {FABRIKAM_TENANT}), permissões: "
        "Identidade e Intune",
        EventKind.TENANT_REVOKED: "o tenant não permite mais que o portal o leia: o "
        "consentimento foi retirado ou o aplicativo removido",
        EventKind.TENANT_CHECKED: "1 verificação: 0 confirmam, 1 não confirmam, 0 sem resposta",
        EventKind.TENANT_CONFIRMED: "A sincronização de diretório está ligada e sincronizou nas "
        "últimas 3 horas.",
        EventKind.NOTE_CHANGED: "observação: – → Aguardando o cliente",
        EventKind.DUE_DATE_CHANGED: "prazo: – → 15/12/2026",
        EventKind.OWNER_CHANGED: "responsável: Nina → –",
        EventKind.CHECKPOINT_SCHEDULED: ("10/11/2026 10:00 – 10/11/2026 11:00"),
        EventKind.CHECKPOINT_CHANGED: (
            "fase: Avaliar → Corrigir; "
            "tipo: Chamada de ponto de verificação → Reunião de lançamento; "
            "início: 10/11/2026 10:00 → 12/11/2026 10:00; "
            "término: 10/11/2026 11:00 → 12/11/2026 11:30; "
            "participantes: Carla → Carla, Nina"
        ),
        EventKind.CHECKPOINT_CANCELLED: ("12/11/2026 10:00 – 12/11/2026 11:30"),
        EventKind.MEMBER_ADDED: "Nina (Cliente, Leitor)",
        EventKind.MEMBER_CHANGED: "Nina (Cliente, Leitor) → Nina (Cliente, Gerente)",
        EventKind.MEMBER_REMOVED: "Nina (Cliente, Gerente)",
        EventKind.ENGAGEMENT_CHANGED: (
            "organização do cliente: Fabrikam → Fabrikam Brasil; "
            "Identidade federada (AD FS): não → sim; "
            "data de início: 15/09/2026 → 20/09/2026"
        ),
        EventKind.SHARE_LINK_CREATED: "Diretoria, até 01/12/2026",
        EventKind.SHARE_LINK_REVOKED: "Diretoria, até 01/12/2026",
        EventKind.EVIDENCE_REPLACED: "Plano: https://docs.example.com/plano-v2",
        EventKind.COMMENT_ADDED: "Enviado ao cliente",
        EventKind.CATALOGUE_APPLIED: "versão 1 → 2: 4 tarefas alteradas",
        EventKind.TASK_UPDATED: (
            "versão 2 do catálogo: texto (inglês): Attend meetings to plan the online service "
            "configuration. → Attend the meetings on the online services."
        ),
        EventKind.TASK_WORDING_KEPT: (
            "concluída com a redação anterior, que ela mantém; a versão 2 do catálogo diz: "
            "texto (inglês): Attend meetings to map out the user provisioning approach. → "
            "Attend the meetings on user provisioning."
        ),
        EventKind.TASK_ADDED: "agora no escopo do engajamento",
        EventKind.TASK_WITHDRAWN: "fora do escopo do engajamento",
        EventKind.TASK_RESTORED: "de volta ao escopo do engajamento",
        EventKind.CHECKPOINT_BRIEF_WRITTEN: (
            "resumo: – → Encerramento combinado; próximos passos: – → Revisar o piloto"
        ),
        EventKind.PLAN_BASELINED: (
            "Iniciar: 15/09/2026 a 25/09/2026; Avaliar: 25/09/2026 a 16/10/2026; "
            "Corrigir: 16/10/2026 a 13/11/2026; Habilitar: 13/11/2026 a 18/12/2026"
        ),
        EventKind.PLAN_CHANGED: (
            "versão 2: Avaliar: 25/09/2026 a 16/10/2026 → 25/09/2026 a 30/10/2026"
        ),
    },
}


@pytest.fixture(autouse=True)
def default_language_after():
    """A signed-in reader's language stays active in the thread after their request (the
    middleware activates it): put the default back for the tests that follow."""
    yield
    translation.deactivate()


def build_every_kind():
    """conftest.py's `engagement`, with one event of each kind recorded at NOW."""
    catalogue_ensure()
    carla, miguel, vera, ada = map(make_persona, ["carla", "miguel", "vera", "ada"])
    # Created at NOW too, so its events (the creation, the baseline) are the oldest.
    with time_machine.travel(NOW, tick=False):
        engagement = make_team_engagement(carla=carla, miguel=miguel, vera=vera, ada=ada)
        record_every_kind(engagement, manager=carla, admin=ada)
    return engagement


every_kind_rows = shared_rows("every_kind_rows", build_every_kind)


@pytest.fixture
def every_kind(every_kind_rows, time_machine):
    time_machine.move_to(NOW, tick=False)
    return every_kind_rows


def told(engagement, language, *, export=False, zone=SAO_PAULO):
    with translation.override(language), timezone.override(zone):
        return {
            event.kind: event_change_text(event, export=export)
            for event in engagement.events.order_by("sequence")
        }


def test_new_events_keep_data_not_text(every_kind):
    events = list(every_kind.events.all())
    assert {event.kind for event in events} == set(EventKind.values)
    assert all(event.old_value == event.new_value == "" for event in events)
    added = every_kind.events.get(kind=EventKind.MEMBER_ADDED)
    assert added.changes == {
        "user": added.changes["user"],
        "name": "Nina",
        "party": "customer",
        "role": "viewer",
    }
    changed = every_kind.events.get(kind=EventKind.CHECKPOINT_CHANGED).changes
    assert changed["starts_at"] == ["2026-11-10T13:00:00+00:00", "2026-11-12T13:00:00+00:00"]
    assert [person["name"] for person in changed["attendees"][1]] == ["Carla", "Nina"]


@pytest.mark.parametrize("language", ["en", "pt-br"])
def test_every_kind_reads_in_the_readers_language_and_time(every_kind, language):
    texts = told(every_kind, language)
    # As many as it was created with: a catalogue version and a scope change added some since.
    tasks = every_kind.events.get(kind=EventKind.ENGAGEMENT_CREATED).changes["tasks"]
    expected = {kind: text.format(tasks=tasks) for kind, text in EXPECTED[language].items()}
    assert {kind: texts[kind] for kind in expected} == expected
    assert texts[EventKind.TASK_DONE] == texts[EventKind.TASK_REOPENED] == ""
    for text in texts.values():
        assert not ISO_MOMENT.search(text) and not FIELD_NAME.search(text), text
        assert not [word for word in OTHER_LANGUAGE[language] if word in text], text


def test_times_follow_the_readers_time_zone(every_kind):
    texts = told(every_kind, "en", zone=zoneinfo.ZoneInfo("Europe/Lisbon"))
    assert texts[EventKind.CHECKPOINT_SCHEDULED] == "10 Nov 2026, 13:00 – 10 Nov 2026, 14:00"


@pytest.mark.parametrize(
    ("language", "told_as"),
    [
        ("en", "in Brazilian Portuguese, Brasilia Standard Time ("),
        ("pt-br", "em Português Brasileiro, Horário Padrão de Brasília ("),
    ],
)
def test_a_filed_report_s_time_zone_is_named_as_people_say_it(every_kind, language, told_as):
    text = told(every_kind, language)[EventKind.CHECKPOINT_REPORT_FILED]
    assert text.startswith(told_as) and "America/Sao_Paulo" not in text


@pytest.mark.parametrize(
    "language, present, absent",
    [
        ("en", "Nina (Customer, Manager)", "(Cliente, Gerente)"),
        ("pt-br", "Nina (Cliente, Gerente)", "(Customer, Manager)"),
    ],
)
def test_the_audit_page_and_activity_tell_changes_in_the_page_language(
    client, carla, every_kind, language, present, absent
):
    Profile.objects.create(user=carla, language=language)
    client.force_login(carla)
    for url in (
        reverse("engagement-audit", args=[every_kind.pk]),
        reverse("engagement-detail", args=[every_kind.pk]),  # its activity log
    ):
        html = client.get(url).content.decode()
        # The machine-readable <time datetime="…"> attributes are meant to be ISO.
        shown = re.sub(r'datetime="[^"]*"', "", html)
        assert not ISO_MOMENT.search(shown) and "starts_at:" not in shown, url
        assert present in shown and absent not in shown, url


def test_an_event_written_as_text_reads_as_stored(vera, engagement):
    ActivityEvent.objects.create(
        engagement=engagement,
        sequence=12,
        actor=vera,
        actor_name="Vera",
        kind=EventKind.MEMBER_ADDED,
        new_value="Nina (Cliente, Leitor)",
    )
    ActivityEvent.objects.create(
        engagement=engagement,
        sequence=13,
        kind=EventKind.DUE_DATE_CHANGED,
        old_value="",
        new_value="2026-12-15",
    )
    texts = told(engagement, "en")
    assert texts[EventKind.MEMBER_ADDED] == "– → Nina (Cliente, Leitor)"
    assert texts[EventKind.DUE_DATE_CHANGED] == "– → 2026-12-15"


def test_the_csv_tells_changes_with_iso_times_to_the_second(client, carla, every_kind):
    Profile.objects.create(user=carla, language="en")
    client.force_login(carla)
    response = client.get(reverse("engagement-audit-csv", args=[every_kind.pk]))
    header, *lines = read_csv(response)
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["checkpoint_scheduled"]["change"] == (
        "2026-11-10T10:00:00-03:00 – 2026-11-10T11:00:00-03:00"
    )
    assert by_kind["member_added"]["change"] == "Nina (Customer, Viewer)"
    assert by_kind["due_date_changed"]["change"] == "due date: – → 2026-12-15"
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}", row["at"])
