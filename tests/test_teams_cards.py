"""Teams channels: Adaptive Cards POSTed to a Workflows stand-in that checks each against the
published Adaptive Card schema, in the channel's language, exactly once, retried."""

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Profile
from engagements.gates.evidence import comment_add
from engagements.gates.services import gate_reopen, gate_sign
from engagements.meetings.services import checkpoint_cancel
from engagements.models import Task
from engagements.services.tasks import task_set_due_date, task_set_note
from responsibilities.models import Party, Phase
from webhooks.cards import plain
from webhooks.models import Webhook, WebhookDelivery, WebhookDeliveryStatus, WebhookKind
from webhooks.sending import webhook_delivery_claim, webhook_delivery_send
from webhooks.services import webhook_register
from webhooks.tasks import dispatch_webhooks

from .factories import acknowledge_general, at, make_checkpoint, tick_with_evidence
from .teams import TeamsWorkflow, card_problems

CLOCK_START = "2026-10-01 09:00"
# What a card may not show: an ISO date, a phase's, party's or meeting kind's code.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CODES = re.compile(r"\b(iniciar|avaliar|corrigir|habilitar|checkpoint_call|pt-br|gate_\w+)\b")


@pytest.fixture
def flow(tmp_path, settings):
    server = TeamsWorkflow(tmp_path)
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_CA_FILE = str(server.ca_file)
    yield server
    server.stop()


def channel(flow, owner, engagement, language="en"):
    return webhook_register(
        owner=owner,
        url=flow.url,
        engagement=engagement,
        kind=WebhookKind.TEAMS,
        language=language,
    )


def shown(card) -> list[str]:
    """Every text a reader sees on the card."""
    texts = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value", "fallbackText") and isinstance(value, str):
                    texts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card["body"])
    walk(card["actions"])
    texts.append(card["fallbackText"])
    return texts


def assert_readable(card):
    for text in shown(card):
        assert not ISO_DATE.search(text), text
        assert not CODES.search(text), text
    assert card["actions"][0]["url"].startswith("http://127.0.0.1:8000/engagements/")


def send_all():
    dispatch_webhooks()


def finish_iniciar(engagement, carla, miguel):
    iniciar = Phase.objects.get(code="iniciar")
    for task in engagement.tasks.filter(phase=iniciar).order_by("party", "pk"):
        tick_with_evidence(task, carla if task.party == Party.CUSTOMER else miguel)
    return iniciar


# The stand-in refuses what Workflows refuse.


def test_the_stand_in_refuses_what_is_not_an_adaptive_card():
    legacy = {"@type": "MessageCard", "text": "Connector card"}
    assert card_problems(legacy) == ["the body is not a message"]
    assert card_problems({"type": "message", "attachments": []})
    wrong = {"contentType": "application/vnd.microsoft.teams.card.o365connector"}
    assert card_problems({"type": "message", "attachments": [wrong]})
    no_text = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock"}]},
    }
    assert card_problems({"type": "message", "attachments": [no_text]})
    no_version = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "body": []},
    }
    assert "'version' is a required property" in card_problems(
        {"type": "message", "attachments": [no_version]}
    )


# Phases: ready, signed off, reopened.


def test_a_phase_s_gate_is_told_to_the_channel_card_by_card(clock, flow, engagement, carla, miguel):
    hook = channel(flow, carla, engagement)
    iniciar = finish_iniciar(engagement, carla, miguel)
    acknowledge_general(engagement, carla, miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=carla, comment="Tudo *certo*")
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    gate_reopen(engagement=engagement, phase=iniciar, user=miguel, reason="Faltou a ata")
    send_all()
    assert flow.refused == []
    topics = list(hook.deliveries.order_by("created_at", "pk").values_list("topic", flat=True))
    assert topics == ["phase.ready", "phase.signed", "phase.signed", "phase.reopened"]
    ready, carla_signed, closed, reopened = flow.cards
    for card in flow.cards:
        assert_readable(card)
        assert card["lang"] == "en" and card["body"][0]["text"] == "Fabrikam"
    assert ready["body"][1]["text"] == "Every task of Initiate is done"
    assert carla_signed["body"][1]["text"] == "Carla signed off Initiate for the customer"
    assert carla_signed["body"][2]["text"] == "It awaits Microsoft's sign-off."
    # Typed Markdown is shown as typed, not as emphasis.
    assert {"title": "Comment", "value": "Tudo \\*certo\\*"} in carla_signed["body"][3]["facts"]
    assert {"title": "Signed", "value": "1 Oct 2026, 09:00"} in carla_signed["body"][3]["facts"]
    assert closed["body"][2]["text"] == "Both parties have signed it off: the phase is closed."
    assert reopened["body"][1]["text"] == "Miguel reopened Initiate"
    facts = reopened["body"][3]["facts"]
    assert {"title": "Why", "value": "Faltou a ata"} in facts
    assert {"title": "Sign-offs withdrawn", "value": "Customer, Microsoft"} in facts
    assert ready["actions"][0]["url"].endswith(f"/engagements/{engagement.pk}/#phase-iniciar")
    # Each card carries its delivery's unique key, and each key was posted once.
    keys = [headers["X-FastTrack-Delivery"] for headers, _body in flow.requests]
    assert sorted(keys) == sorted(hook.deliveries.values_list("key", flat=True))
    assert len(set(keys)) == 4
    # No signature: the flow's address is its secret.
    assert all("X-FastTrack-Signature" not in headers for headers, _body in flow.requests)
    assert {headers["X-FastTrack-Event"] for headers, _body in flow.requests} == {
        "phase.ready",
        "phase.signed",
        "phase.reopened",
    }


def test_the_cards_read_in_portuguese(clock, flow, engagement, carla, miguel):
    channel(flow, carla, engagement, language="pt-br")
    iniciar = finish_iniciar(engagement, carla, miguel)
    acknowledge_general(engagement, carla, miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=miguel)
    send_all()
    ready, signed = flow.cards
    for card in flow.cards:
        assert_readable(card)
        assert card["lang"] == "pt-br"
    assert ready["body"][1]["text"] == "Todas as tarefas de Iniciar estão concluídas"
    assert signed["body"][1]["text"] == "Miguel aprovou Iniciar pela Microsoft"
    assert signed["body"][2]["text"] == "A fase aguarda a aprovação do cliente."
    assert {"title": "Aprovada em", "value": "01/10/2026 09:00"} in signed["body"][3]["facts"]
    assert signed["actions"][0]["title"] == "Abrir no portal"


def test_only_what_a_channel_is_told_is_owed(clock, flow, engagement, carla, miguel):
    hook = channel(flow, carla, engagement)
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    task_set_note(task=task, user=carla, note="Sem cartão")
    tick_with_evidence(task, carla)  # the phase still has open tasks
    checkpoint = make_checkpoint(
        engagement, carla, starts_at=at("2026-10-20 10:00"), attendees=[carla]
    )
    checkpoint_cancel(checkpoint=checkpoint, user=carla)
    assert not hook.deliveries.exists()


# Reminders, by the clock.


def test_a_checkpoint_is_reminded_at_each_moment_once(clock, flow, engagement, carla):
    hook = channel(flow, carla, engagement)
    checkpoint = make_checkpoint(
        engagement,
        carla,
        title="Revisão *final*",
        starts_at=at("2026-10-10 10:00"),
        attendees=[carla],
        location="Sala 3",
    )
    clock("2026-10-09 09:59")
    send_all()
    assert not hook.deliveries.exists()  # a minute before the 24-hour moment
    clock("2026-10-09 10:00")
    send_all()
    send_all()  # a second beat at the same moment owes nothing more
    (card,) = flow.cards
    assert_readable(card)
    assert card["body"][1]["text"] == "Reminder: Revisão \\*final\\*, 10 Oct 2026, 10:00"
    assert card["body"][2]["text"] == "In 24 hours."
    facts = card["body"][3]["facts"]
    assert {"title": "Meeting", "value": "Checkpoint call"} in facts
    assert {"title": "Phase", "value": "Assess"} in facts
    assert {"title": "Place", "value": "Sala 3"} in facts
    assert card["actions"][0]["url"].endswith(
        f"/engagements/{engagement.pk}/checkpoints/{checkpoint.pk}/"
    )
    clock("2026-10-10 09:00")
    send_all()
    assert [c["body"][2]["text"] for c in flow.cards] == ["In 24 hours.", "In 1 hour."]
    clock("2026-10-10 10:00")  # started: nothing more
    send_all()
    assert hook.deliveries.count() == 2
    assert set(hook.deliveries.values_list("topic", flat=True)) == {"checkpoint.reminder"}


def test_a_meeting_link_is_a_button_beside_the_portal_s(clock, flow, engagement, carla):
    channel(flow, carla, engagement, language="pt-br")
    join = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    make_checkpoint(
        engagement, carla, starts_at=at("2026-10-03 10:00"), attendees=[], location=join
    )
    clock("2026-10-02 10:00")
    send_all()
    (card,) = flow.cards
    assert card["actions"][1] == {
        "type": "Action.OpenUrl",
        "title": "Entrar na reunião",
        "url": join,
    }
    assert all(fact["title"] != "Local" for fact in card["body"][3]["facts"])


def test_a_reminder_missed_while_beat_was_down_is_sent_once_the_nearest(
    clock, flow, engagement, carla
):
    hook = channel(flow, carla, engagement, language="pt-br")
    make_checkpoint(engagement, carla, starts_at=at("2026-10-10 10:00"), attendees=[])
    clock("2026-10-10 09:30")  # both moments passed unseen
    send_all()
    (card,) = flow.cards
    assert card["body"][2]["text"] == "Em 1 hora."
    assert card["body"][1]["text"] == "Lembrete: Chamada, 10/10/2026 10:00"
    assert hook.deliveries.get().key.endswith(":60")


def test_no_reminder_for_a_moment_past_when_scheduled_nor_a_cancelled_meeting(
    clock, flow, engagement, carla
):
    hook = channel(flow, carla, engagement)
    make_checkpoint(engagement, carla, starts_at=at("2026-10-01 20:00"), attendees=[])
    cancelled = make_checkpoint(engagement, carla, starts_at=at("2026-10-02 08:00"), attendees=[])
    checkpoint_cancel(checkpoint=cancelled, user=carla)
    send_all()  # the 24-hour moment of both was before they were scheduled
    assert not hook.deliveries.exists()
    clock("2026-10-01 19:00")
    send_all()
    assert [card["body"][2]["text"] for card in flow.cards] == ["In 1 hour."]
    clock("2026-10-02 07:00")
    send_all()
    assert hook.deliveries.count() == 1


# Tasks overdue, by the clock.


def overdue_by(engagement, user, count, due):
    tasks = list(
        engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).order_by("pk")[:count]
    )
    for task in tasks:
        task_set_due_date(task=task, user=user, due_date=due)
    return tasks


def test_tasks_that_became_overdue_today_are_told_from_eight(clock, flow, engagement, carla):
    hook = channel(flow, carla, engagement)
    tasks = overdue_by(engagement, carla, 2, datetime.date(2026, 10, 1))
    overdue_by_a_day_more = engagement.tasks.filter(party=Party.MICROSOFT).first()
    Task.objects.filter(pk=overdue_by_a_day_more.pk).update(due_date=datetime.date(2026, 9, 30))
    Task.objects.filter(pk=engagement.tasks.filter(party=Party.MICROSOFT).last().pk).update(
        due_date=datetime.date(2026, 10, 2)
    )  # due today: not overdue
    clock("2026-10-02 07:59")
    send_all()
    assert not hook.deliveries.exists()
    clock("2026-10-02 08:00")
    send_all()
    clock("2026-10-02 12:00")
    send_all()
    (card,) = flow.cards
    assert_readable(card)
    assert card["body"][1]["text"] == "2 tasks became overdue today"
    assert card["body"][2]["text"] == "They were due on 1 Oct 2026 and are still open."
    items = [block["text"] for block in card["body"][3:]]
    with translation.override("en"):
        phase = tasks[0].phase.name
        assert items == [
            f"• {plain(task.text, 200)} ({phase}, due 1 Oct 2026, waiting on the customer)"
            for task in tasks
        ]
    assert card["actions"][0]["url"].endswith(f"/engagements/{engagement.pk}/?due=overdue")
    assert hook.deliveries.get().key.endswith(f":overdue:{engagement.pk}:2026-10-02")


def test_a_long_overdue_list_says_how_many_more_in_portuguese(clock, flow, engagement, carla):
    channel(flow, carla, engagement, language="pt-br")
    overdue_by(engagement, carla, 12, datetime.date(2026, 10, 1))
    tick_with_evidence(engagement.tasks.filter(due_date=datetime.date(2026, 10, 1)).first(), carla)
    clock("2026-10-02 08:00")
    send_all()
    (card,) = flow.cards
    assert_readable(card)
    assert card["body"][1]["text"] == "11 tarefas ficaram atrasadas hoje"
    assert card["body"][-1]["text"] == "• e mais 1"
    assert card["body"][3]["text"].endswith("(Iniciar, prazo em 01/10/2026, aguardando o cliente)")


# Retries and exactly once.


def test_a_throttled_or_failing_flow_is_retried_with_the_same_card(
    clock, flow, engagement, carla, miguel
):
    hook = channel(flow, carla, engagement)
    flow.plan = [429, 500]
    finish_iniciar(engagement, carla, miguel)
    delivery = hook.deliveries.get()
    start = at(CLOCK_START)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=start) == "pending"
    delivery.refresh_from_db()
    assert (delivery.response_status, delivery.last_error) == (429, "HTTP 429")
    second = start + datetime.timedelta(seconds=60)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=second) == "pending"
    third = second + datetime.timedelta(seconds=120)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=third) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 202)
    assert len(flow.requests) == 3 and len({body for _h, body in flow.requests}) == 1
    assert len(flow.cards) == 1
    # Delivered once: a redelivered task finds nothing to send.
    assert webhook_delivery_send(delivery_id=delivery.pk, now=third) == "not claimed"
    assert len(flow.requests) == 3


def test_two_senders_post_a_card_once(clock, flow, engagement, carla, miguel):
    hook = channel(flow, carla, engagement)
    finish_iniciar(engagement, carla, miguel)
    delivery = hook.deliveries.get()
    now = at(CLOCK_START)
    assert webhook_delivery_claim(delivery_id=delivery.pk, now=now) is not None
    assert webhook_delivery_send(delivery_id=delivery.pk, now=now) == "not claimed"
    assert flow.requests == []


def test_a_card_the_flow_refuses_is_retried_and_given_up(
    clock, settings, flow, engagement, carla, miguel
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    hook = channel(flow, carla, engagement)
    finish_iniciar(engagement, carla, miguel)
    WebhookDelivery.objects.filter(webhook=hook).update(body='{"type": "message"}')
    delivery = hook.deliveries.get()
    webhook_delivery_send(delivery_id=delivery.pk, now=at(CLOCK_START))
    later = at(CLOCK_START) + datetime.timedelta(minutes=5)
    assert webhook_delivery_send(delivery_id=delivery.pk, now=later) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == (WebhookDeliveryStatus.FAILED, 400)


def test_a_channel_whose_owner_left_gets_nothing(clock, flow, engagement, carla, miguel, vera):
    hook = channel(flow, vera, engagement)
    vera.is_active = False
    vera.save(update_fields=["is_active"])
    finish_iniciar(engagement, carla, miguel)
    assert not hook.deliveries.exists()


# Registering a channel.


def test_a_manager_registers_a_channel_without_a_secret(clock, client, flow, engagement, carla):
    Profile.objects.create(user=carla, language="pt-br", time_zone="America/Manaus")
    client.force_login(carla)
    response = client.post(
        reverse("webhooks"),
        {"kind": "teams", "url": flow.url, "language": "en", "engagement": engagement.pk},
    )
    assert response.status_code == 302
    hook = Webhook.objects.get()
    assert (hook.kind, hook.secret, hook.language, hook.time_zone) == (
        "teams",
        "",
        "en",
        "America/Manaus",
    )
    page = client.get(reverse("integrations")).content.decode()
    assert "https://127.0.0.1/…" in page and "sig=" not in page
    assert "Canal do Teams (Workflows)" in page
    detail = client.get(reverse("webhook-detail", args=[hook.pk])).content.decode()
    assert "sig=" not in detail and "cartões em" in detail


def test_a_channel_s_times_are_in_its_owner_s_zone(clock, flow, engagement, carla, miguel):
    Profile.objects.create(user=carla, time_zone="Asia/Tokyo")
    channel(flow, carla, engagement)
    iniciar = finish_iniciar(engagement, carla, miguel)
    acknowledge_general(engagement, carla, miguel)
    gate_sign(engagement=engagement, phase=iniciar, user=carla)
    send_all()
    facts = flow.cards[1]["body"][3]["facts"]
    assert {"title": "Signed", "value": "1 Oct 2026, 21:00"} in facts


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"kind": "json", "secret": ""}, "secret"),
        ({"kind": "json", "secret": "x" * 15}, "secret"),
        ({"kind": "teams", "language": ""}, "language"),
        ({"kind": "teams", "language": "fr"}, "language"),
        ({"kind": "slack"}, "kind"),
    ],
)
def test_a_registration_missing_what_its_kind_needs_is_refused(
    clock, client, flow, engagement, carla, form, field
):
    client.force_login(carla)
    response = client.post(reverse("webhooks"), {"url": flow.url, **form})
    assert response.status_code == 200 and field in response.context["webhook_form"].errors
    assert not Webhook.objects.exists()


def test_the_service_refuses_a_channel_without_a_language(clock, flow, engagement, carla):
    with pytest.raises(ValidationError):
        channel(flow, carla, engagement, language="")
    with pytest.raises(ValidationError):
        webhook_register(owner=carla, url=flow.url, kind="slack")
    assert not Webhook.objects.exists()


def test_deliveries_read_on_the_channel_s_page(clock, client, flow, engagement, carla, miguel):
    hook = channel(flow, carla, engagement)
    finish_iniciar(engagement, carla, miguel)
    send_all()
    client.force_login(carla)
    page = client.get(reverse("webhook-detail", args=[hook.pk])).content.decode()
    assert "<code>phase.ready</code>" in page
    assert json.loads(hook.deliveries.get().body)["type"] == "message"


def test_a_channel_for_every_engagement_its_owner_sees(
    clock, flow, engagement, other_engagement, carla, miguel, ada, otto
):
    staff = webhook_register(owner=ada, url=flow.url, kind=WebhookKind.TEAMS, language="en")
    member = webhook_register(owner=otto, url=flow.url, kind=WebhookKind.TEAMS, language="en")
    finish_iniciar(engagement, carla, miguel)
    assert staff.deliveries.count() == 1
    assert not member.deliveries.exists()  # Otto sees only Northwind


# Mentions.


def test_a_comment_that_mentions_members_is_told_to_the_channel(
    clock, flow, engagement, carla, miguel
):
    hook = channel(flow, carla, engagement, language="pt-br")
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    comment_add(task=task, user=carla, body="@Miguel pode validar até *sexta*?")
    send_all()
    (card,) = flow.cards
    assert_readable(card)
    assert card["body"][1]["text"] == "Carla mencionou Miguel"
    assert card["body"][2]["text"] == f"Em “{plain(task.text_pt)}”"
    facts = card["body"][3]["facts"]
    assert facts == [{"title": "Comentário", "value": "@Miguel pode validar até \\*sexta\\*?"}]
    assert card["actions"][0]["url"].endswith(f"/engagements/{engagement.pk}/#task-{task.pk}")
    assert hook.deliveries.get().topic == "comment.mention"


def test_a_comment_that_mentions_no_one_owes_no_card(clock, flow, engagement, carla):
    hook = channel(flow, carla, engagement)
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    comment_add(task=task, user=carla, body="Enviado ao cliente")
    assert not hook.deliveries.exists()
