"""The headers mail clients act on (automatic replies, one-click unsubscribe, Message-IDs) and
the addresses the portal's mail can reach."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from engagements.meetings.services import checkpoint_schedule
from engagements.services.tasks import task_set_due_date
from notifications.daily import queue_digests, queue_task_due_notes
from notifications.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
)
from notifications.preferences import preferences_of
from notifications.tasks import dispatch_notifications
from notifications.unsubscribe import unsubscribe_url
from responsibilities.models import Party, Phase

from .factories import at
from .support import as_received

CLOCK_START = "2026-11-02 12:00"


@pytest.fixture(autouse=True)
def portal_url(settings):
    settings.PORTAL_URL = "https://portal.example.com"


@pytest.fixture
def due_task(engagement, carla):
    task = engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False).first()
    return task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 11, 10))


@pytest.fixture
def one_of_each(clock, engagement, due_task, carla, miguel):
    """A reminder, a digest and a due note to Carla, all sent on 9 November at 08:00."""
    checkpoint_schedule(
        engagement=engagement,
        user=carla,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Revisão",
        starts_at=at("2026-11-10 08:00"),
        ends_at=at("2026-11-10 09:00"),
        attendees=[carla],
    )
    clock(at("2026-11-09 07:00"))
    queue_digests(now=timezone.now())
    clock(at("2026-11-09 08:00"))
    queue_task_due_notes(now=timezone.now())
    mail.outbox.clear()
    dispatch_notifications.delay()
    return {
        m.extra_headers["X-FastTrack-Notification"].split(":")[0]: as_received(m)
        for m in mail.outbox
        if m.to == ["carla@example.com"]
    }


def test_every_email_says_it_is_automatic_with_a_message_id_on_the_portals_host(one_of_each):
    assert sorted(one_of_each) == ["checkpoint-reminder", "digest", "task-due-tomorrow"]
    for received in one_of_each.values():
        assert received["Auto-Submitted"] == "auto-generated"
        assert received["Message-ID"].endswith("@portal.example.com>")
    assert len({received["Message-ID"] for received in one_of_each.values()}) == 3


def test_each_kind_that_may_be_turned_off_offers_one_click_unsubscribe_of_that_kind(
    one_of_each, carla
):
    for key, kind in [
        ("digest", NotificationKind.DIGEST),
        ("task-due-tomorrow", NotificationKind.TASK_DUE_TOMORROW),
        ("checkpoint-reminder", NotificationKind.CHECKPOINT_REMINDER),
    ]:
        received = one_of_each[key]
        assert unsubscribe_address(received) == unsubscribe_url(carla, kind)
        assert unsubscribe_address(received).startswith("https://portal.example.com/")
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def unsubscribe_address(received) -> str:
    # A long header is folded before the "<"; unfolded, that leaves a space.
    return received["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")


def one_click(received):
    """What a mail client does with the header (RFC 8058): POST to its address, signed in as
    nobody, with no CSRF token."""
    return Client(enforce_csrf_checks=True).post(
        urlsplit(unsubscribe_address(received)).path, {"List-Unsubscribe": "One-Click"}
    )


def test_one_click_turns_the_digest_off_without_signing_in(one_of_each, carla):
    address = unsubscribe_address(one_of_each["digest"])
    assert Client().get(urlsplit(address).path).status_code == 200  # a GET only asks
    assert not NotificationPreference.objects.exists()
    response = one_click(one_of_each["digest"])
    assert response.status_code == 200
    wanted = preferences_of(carla)
    assert wanted[NotificationKind.DIGEST] == Delivery.NEVER
    assert wanted[NotificationKind.TASK_DUE_TOMORROW] == Delivery.EMAIL


def test_one_click_turns_due_notes_off_and_none_is_owed_after(
    clock, one_of_each, engagement, due_task, carla
):
    assert one_click(one_of_each["task-due-tomorrow"]).status_code == 200
    assert preferences_of(carla)[NotificationKind.TASK_DUE_TOMORROW] == Delivery.NEVER
    clock(at("2026-11-09 20:00"))
    task_set_due_date(task=due_task, user=carla, due_date=datetime.date(2026, 11, 11))
    clock(at("2026-11-10 08:00"))  # the day before it is due again
    queue_task_due_notes(now=timezone.now())
    assert not Notification.objects.filter(
        kind=NotificationKind.TASK_DUE_TOMORROW, recipient=carla, status="pending"
    ).exists()


def test_a_due_note_waiting_for_a_retry_is_withdrawn_after_one_click(
    clock, due_task, carla, settings
):
    settings.EMAIL_BACKEND = "tests.support.DownEmailBackend"
    clock(at("2026-11-09 08:00"))
    queue_task_due_notes(now=timezone.now())
    dispatch_notifications.delay()
    note = Notification.objects.get(kind=NotificationKind.TASK_DUE_TOMORROW, recipient=carla)
    assert (note.status, note.attempts) == (NotificationStatus.PENDING, 1)
    path = urlsplit(unsubscribe_url(carla, NotificationKind.TASK_DUE_TOMORROW)).path
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    clock(note.next_attempt_at)
    dispatch_notifications.delay()
    note.refresh_from_db()
    assert (note.status, note.last_error) == (
        NotificationStatus.WITHDRAWN,
        "the recipient turned this kind of email off",
    )
    assert mail.outbox == []


def test_a_forged_unsubscribe_address_is_refused_and_changes_nothing(carla):
    path = urlsplit(unsubscribe_url(carla, NotificationKind.DIGEST)).path
    forged = path.replace(path.rstrip("/").rsplit(":", 1)[1], "x" * 27)
    response = Client(enforce_csrf_checks=True).post(forged, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This unsubscribe address is not valid." in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_resend_after_the_server_took_the_message_keeps_its_message_id(
    clock, one_of_each, due_task, carla, settings
):
    settings.EMAIL_BACKEND = "tests.support.AcceptedThenLostEmailBackend"
    clock(at("2026-11-11 08:00"))
    queue_task_due_notes(now=timezone.now())
    mail.outbox.clear()
    dispatch_notifications.delay()  # the server takes it; its answer is lost
    note = Notification.objects.get(kind=NotificationKind.TASK_OVERDUE, recipient=carla)
    assert note.status == NotificationStatus.PENDING
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock(note.next_attempt_at)
    dispatch_notifications.delay()
    note.refresh_from_db()
    assert note.status == NotificationStatus.SENT
    first, second = (as_received(m) for m in mail.outbox)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"] not in {r["Message-ID"] for r in one_of_each.values()}


def test_an_address_with_non_ascii_letters_before_the_at_is_refused_with_a_reason(
    client, engagement, carla
):
    Profile.objects.create(user=carla, language="en")
    client.force_login(carla)
    members = reverse("engagement-members", args=[engagement.pk])
    response = client.post(
        members, {"email": "joão@example.com", "name": "João Silva", "role": "viewer"}
    )
    assert response.status_code == 200
    assert "no accents or other non-ASCII letters before the @" in response.content.decode()
    assert not get_user_model().objects.filter(email__startswith="jo").exists()


def test_an_internationalised_domain_is_accepted_and_mailed_as_punycode(client, engagement, carla):
    client.force_login(carla)
    members = reverse("engagement-members", args=[engagement.pk])
    client.post(members, {"email": "ana@ação.br", "name": "Ana Souza", "role": "viewer"})
    dispatch_notifications.delay()
    (invitation,) = [m for m in mail.outbox if m.to == ["ana@ação.br"]]
    assert as_received(invitation)["To"] == "ana@xn--ao-siap.br"
