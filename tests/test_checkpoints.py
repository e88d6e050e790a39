"""Scheduling, changing and cancelling checkpoints, and their calendar files."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from engagements.gates.services import gate_sign
from engagements.meetings.services import checkpoint_cancel, checkpoint_schedule
from engagements.models import ActivityEvent, Checkpoint, EventKind, Task
from notifications.models import Notification, NotificationKind, NotificationStatus
from responsibilities.models import Phase

from .factories import acknowledge_general, change_checkpoint

NOW = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def local(text):
    """A 'YYYY-MM-DD HH:MM' in the portal's time zone (as the form reads it)."""
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


@pytest.fixture
def avaliar(catalogue):
    return Phase.objects.get(code="avaliar")


def schedule(engagement, user, attendees, start="2026-11-10 10:00", end="2026-11-10 11:00"):
    return checkpoint_schedule(
        engagement=engagement,
        user=user,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Revisão da lista de correção",
        starts_at=local(start),
        ends_at=local(end),
        location="https://meet.example.com/abc",
        agenda="1. Rede\n2. Identidade",
        attendees=attendees,
    )


def reminders(checkpoint, status=NotificationStatus.PENDING):
    return checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_REMINDER, status=status)


def checkpoint_form_data(phase, **changes):
    data = {
        "title": "Chamada de ponto de verificação",
        "kind": "checkpoint_call",
        "phase": phase.pk,
        "starts_at": "2026-11-10T10:00",
        "ends_at": "2026-11-10T11:00",
        "location": "Sala 3",
        "agenda": "Progresso da correção",
    }
    return {**data, **changes}


def test_manager_schedules_a_checkpoint_with_reminders(client, carla, miguel, engagement, avaliar):
    client.force_login(carla)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]),
        {**checkpoint_form_data(avaliar), "attendees": [carla.pk, miguel.pk]},
    )
    checkpoint = Checkpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("checkpoint-detail", args=[engagement.pk, checkpoint.pk])
    assert checkpoint.starts_at == local("2026-11-10 10:00")
    assert set(checkpoint.attendees.all()) == {carla, miguel}
    due = sorted(reminders(checkpoint).values_list("recipient__username", "due_at"))
    assert due == [
        ("carla", local("2026-11-09 10:00")),
        ("carla", local("2026-11-10 09:00")),
        ("miguel", local("2026-11-09 10:00")),
        ("miguel", local("2026-11-10 09:00")),
    ]
    assert ActivityEvent.objects.filter(checkpoint=checkpoint).get().kind == (
        EventKind.CHECKPOINT_SCHEDULED
    )


def test_reminders_already_past_when_scheduled_are_not_created(carla, engagement):
    checkpoint = schedule(engagement, carla, [carla], "2026-11-02 20:00", "2026-11-02 21:00")
    # 24 hours before is already past; 1 hour before is still ahead.
    assert list(reminders(checkpoint).values_list("minutes_before", flat=True)) == [60]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"starts_at": "2026-11-01T10:00", "ends_at": "2026-11-01T11:00"},
            "starts_at",
            "não pode começar no passado",
        ),
        ({"ends_at": "2026-11-10T09:00"}, "ends_at", "término deve ser posterior ao início"),
        ({"starts_at": "10/11/2026 ten"}, "starts_at", ""),
    ],
)
def test_bad_times_are_clear_form_errors_and_create_nothing(
    client, carla, engagement, avaliar, changes, field, message
):
    client.force_login(carla)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]),
        {**checkpoint_form_data(avaliar, **changes), "attendees": [carla.pk]},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and message in " ".join(errors)
    assert not Checkpoint.objects.exists()
    assert not Notification.objects.exists()


def test_an_attendee_who_is_not_a_member_is_refused(client, carla, otto, engagement, avaliar):
    client.force_login(carla)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]),
        {**checkpoint_form_data(avaliar), "attendees": [carla.pk, otto.pk]},
    )
    assert response.status_code == 200
    assert "Somente membros deste engajamento" in str(response.context["form"].errors["attendees"])
    assert not Checkpoint.objects.exists()


def test_the_service_refuses_a_non_member_too(carla, otto, engagement):
    with pytest.raises(Exception, match="Não são membros deste engajamento: otto"):
        schedule(engagement, carla, [carla, otto])
    assert not Checkpoint.objects.exists()


def test_rescheduling_raises_the_sequence_and_renews_the_reminders(carla, miguel, engagement):
    checkpoint = schedule(engagement, carla, [carla, miguel])
    old_keys = set(reminders(checkpoint).values_list("key", flat=True))
    updated = change_checkpoint(
        checkpoint,
        miguel,
        starts_at=local("2026-11-12 15:00"),
        ends_at=local("2026-11-12 16:00"),
        attendees=[carla],
    )
    assert updated.sequence == 1
    assert (
        set(reminders(checkpoint, NotificationStatus.WITHDRAWN).values_list("key", flat=True))
        == old_keys
    )
    assert sorted(reminders(checkpoint).values_list("recipient__username", "due_at")) == [
        ("carla", local("2026-11-11 15:00")),
        ("carla", local("2026-11-12 14:00")),
    ]
    event = ActivityEvent.objects.get(kind=EventKind.CHECKPOINT_CHANGED)
    old_start, new_start = event.changes["starts_at"]
    assert old_start.startswith("2026-11-10") and new_start.startswith("2026-11-12")


def test_a_calendar_visible_change_owes_each_attendee_an_update_due_now(
    carla, miguel, vera, engagement
):
    checkpoint = schedule(engagement, carla, [carla, miguel])
    change_checkpoint(checkpoint, carla, location="Sala 3", attendees=[carla, vera])
    updates = checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_UPDATED)
    assert sorted(updates.values_list("key", "recipient__username", "sequence", "due_at")) == [
        (f"checkpoint-updated:{checkpoint.pk}:1:{carla.pk}", "carla", 1, NOW),
        (f"checkpoint-updated:{checkpoint.pk}:1:{vera.pk}", "vera", 1, NOW),
    ]
    # Miguel, no longer invited, only loses his reminders.
    assert not reminders(checkpoint).filter(recipient=miguel).exists()


def test_a_new_agenda_updates_calendars_but_keeps_the_reminders(carla, engagement):
    checkpoint = schedule(engagement, carla, [carla])
    keys = set(reminders(checkpoint).values_list("key", flat=True))
    updated = change_checkpoint(checkpoint, carla, agenda="Nova pauta")
    assert updated.sequence == 1  # the agenda is the .ics DESCRIPTION
    assert set(reminders(checkpoint).values_list("key", flat=True)) == keys
    event = ActivityEvent.objects.get(kind=EventKind.CHECKPOINT_CHANGED)
    assert event.changes == {"agenda": ["1. Rede\n2. Identidade", "Nova pauta"]}


def test_a_save_that_changes_nothing_records_nothing(carla, engagement):
    checkpoint = schedule(engagement, carla, [carla])
    assert change_checkpoint(checkpoint, carla).sequence == 0
    assert not ActivityEvent.objects.filter(kind=EventKind.CHECKPOINT_CHANGED).exists()


def test_a_new_phase_is_recorded_without_touching_calendars(carla, engagement):
    checkpoint = schedule(engagement, carla, [carla])
    updated = change_checkpoint(checkpoint, carla, phase=Phase.objects.get(code="corrigir"))
    assert updated.sequence == 0
    event = ActivityEvent.objects.get(kind=EventKind.CHECKPOINT_CHANGED)
    assert event.changes == {"phase": ["avaliar", "corrigir"]}


def test_cancelling_withdraws_reminders_and_tells_the_attendees(client, carla, miguel, engagement):
    checkpoint = schedule(engagement, carla, [carla, miguel])
    client.force_login(miguel)
    response = client.post(reverse("checkpoint-cancel", args=[engagement.pk, checkpoint.pk]))
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert checkpoint.is_cancelled and checkpoint.sequence == 1
    assert not reminders(checkpoint).exists()
    notices = checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_CANCELLED)
    assert sorted(notices.values_list("recipient__username", flat=True)) == ["carla", "miguel"]


def test_a_started_checkpoint_can_no_longer_change(client, carla, engagement, time_machine):
    checkpoint = schedule(engagement, carla, [carla])
    time_machine.move_to(local("2026-11-10 10:30"), tick=False)
    client.force_login(carla)
    response = client.post(reverse("checkpoint-cancel", args=[engagement.pk, checkpoint.pk]))
    assert response.status_code == 302
    checkpoint.refresh_from_db()
    assert not checkpoint.is_cancelled
    page = client.get(reverse("checkpoint-detail", args=[engagement.pk, checkpoint.pk]))
    assert "já começou" in page.content.decode()
    assert (
        reverse("checkpoint-edit", args=[engagement.pk, checkpoint.pk]) not in page.content.decode()
    )


def test_the_calendar_file_is_valid_and_follows_the_checkpoint(client, carla, miguel, engagement):
    checkpoint = schedule(engagement, carla, [carla, miguel])
    client.force_login(carla)
    url = reverse("checkpoint-calendar", args=[engagement.pk, checkpoint.pk])
    response = client.get(url)
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    uid = str(event["UID"])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == local("2026-11-10 10:00")
    assert event.decoded("DTEND") == local("2026-11-10 11:00")
    assert sorted(str(a) for a in event["ATTENDEE"]) == [
        "mailto:carla@example.com",
        "mailto:miguel@example.com",
    ]

    change_checkpoint(
        checkpoint,
        carla,
        starts_at=local("2026-11-11 10:00"),
        ends_at=local("2026-11-11 11:00"),
    )
    (event,) = Calendar.from_ical(client.get(url).content).walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"]) == (uid, 1)
    assert event.decoded("DTSTART") == local("2026-11-11 10:00")

    checkpoint_cancel(checkpoint=checkpoint, user=carla)
    calendar = Calendar.from_ical(client.get(url).content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert (str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])) == (uid, 2, "CANCELLED")


def test_engagement_page_lists_upcoming_and_past_checkpoints(
    client, vera, carla, engagement, time_machine
):
    upcoming = schedule(engagement, carla, [carla])
    earlier = schedule(engagement, carla, [carla], "2026-11-03 10:00", "2026-11-03 11:00")
    time_machine.move_to(local("2026-11-05 12:00"), tick=False)
    client.force_login(vera)
    checkpoints = client.get(reverse("engagement-detail", args=[engagement.pk])).context[
        "checkpoints"
    ]
    assert checkpoints.upcoming == [upcoming]
    assert checkpoints.past_or_cancelled == [earlier]


def test_checkpoint_page_shows_the_reminder_log(client, vera, carla, engagement):
    checkpoint = schedule(engagement, carla, [carla])
    client.force_login(vera)
    html = client.get(
        reverse("checkpoint-detail", args=[engagement.pk, checkpoint.pk])
    ).content.decode()
    assert "24 horas antes" in html and "1 hora antes" in html
    assert "checkpoint-cancel" not in html and "/cancel/" not in html


@pytest.mark.parametrize("name", ["checkpoint-edit", "checkpoint-cancel"])
def test_viewer_is_refused(client, vera, carla, engagement, avaliar, name):
    checkpoint = schedule(engagement, carla, [carla])
    client.force_login(vera)
    response = client.post(
        reverse(name, args=[engagement.pk, checkpoint.pk]),
        {**checkpoint_form_data(avaliar, title="Hijacked"), "attendees": [carla.pk]},
    )
    assert response.status_code == 403
    checkpoint.refresh_from_db()
    assert (checkpoint.title, checkpoint.is_cancelled) == ("Revisão da lista de correção", False)


def test_viewer_cannot_schedule(client, vera, engagement, avaliar):
    client.force_login(vera)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]), checkpoint_form_data(avaliar)
    )
    assert response.status_code == 403
    assert not Checkpoint.objects.exists()


@pytest.mark.parametrize(
    "name", ["checkpoint-detail", "checkpoint-edit", "checkpoint-cancel", "checkpoint-calendar"]
)
def test_outsider_gets_404(client, otto, other_engagement, carla, engagement, name):
    checkpoint = schedule(engagement, carla, [carla])
    client.force_login(otto)
    url = reverse(name, args=[engagement.pk, checkpoint.pk])
    assert client.post(url).status_code == 404
    # A POST-only address answers GET with 405 whether or not the checkpoint exists.
    missing = reverse(name, args=[engagement.pk, 999999])
    assert client.get(url).status_code == client.get(missing).status_code in (404, 405)
    checkpoint.refresh_from_db()
    assert not checkpoint.is_cancelled


def test_a_checkpoint_of_another_engagement_is_404(
    client, carla, engagement, other_engagement, otto
):
    foreign = schedule(other_engagement, otto, [otto])
    client.force_login(carla)
    url = reverse("checkpoint-detail", args=[engagement.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_the_new_checkpoint_form_starts_from_the_current_phase(client, carla, miguel, engagement):
    iniciar = Phase.objects.get(code="iniciar")
    Task.objects.filter(engagement=engagement, phase=iniciar).update(done=True)
    acknowledge_general(engagement, carla, miguel)
    for manager in (carla, miguel):  # Iniciar is behind once its gate is closed
        gate_sign(engagement=engagement, phase=iniciar, user=manager)
    client.force_login(carla)
    form = client.get(reverse("checkpoint-new", args=[engagement.pk])).context["form"]
    avaliar = Phase.objects.get(code="avaliar")
    assert form.initial["phase"] == avaliar
    assert form.initial["kind"] == "checkpoint_call"
    assert form.initial["ends_at"] - form.initial["starts_at"] == datetime.timedelta(hours=1)
    assert form.initial["starts_at"] > NOW
    assert avaliar.name in form.initial["agenda"]
    assert set(form.initial["attendees"]) == set(
        engagement.memberships.values_list("user_id", flat=True)
    )


def test_a_checkpoint_without_an_end_lasts_an_hour(client, carla, engagement, avaliar):
    client.force_login(carla)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]),
        checkpoint_form_data(avaliar, ends_at=""),
    )
    assert response.status_code == 302
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.ends_at - checkpoint.starts_at == datetime.timedelta(hours=1)


@pytest.mark.parametrize("attendee", ["9223372036854775808", "-1", "x"])
def test_an_attendee_id_no_member_has_is_refused_with_a_message(
    client, carla, engagement, avaliar, attendee
):
    client.force_login(carla)
    response = client.post(
        reverse("checkpoint-new", args=[engagement.pk]),
        checkpoint_form_data(avaliar, attendees=[attendee]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["attendees"]
    assert not Checkpoint.objects.exists()
