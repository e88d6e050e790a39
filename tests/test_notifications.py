"""Reminders, due-date notes and digests: when they are due, what they say, and only once."""

import datetime
import logging
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Profile
from engagements.gates.services import general_acknowledge
from engagements.meetings.calendar import checkpoint_ics
from engagements.meetings.services import checkpoint_cancel, checkpoint_schedule
from engagements.models import Checkpoint
from engagements.services.members import member_remove
from engagements.services.tasks import task_set_done, task_set_due_date, task_set_owner
from notifications.daily import queue_digests, queue_task_due_notes
from notifications.keys import checkpoint_reminder_key
from notifications.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
)
from notifications.sending import (
    notification_claim,
    notification_deliver,
    notification_send,
    notifications_due,
    notifications_retry,
)
from notifications.tasks import dispatch_notifications, queue_daily_notifications
from responsibilities.models import Party, Phase

from .factories import at, change_checkpoint, make_checkpoint, make_engagement
from .support import HeldEmailBackend, as_received, invitation, on_first_read_of

CLOCK_START = "2026-11-02 12:00"


@pytest.fixture
def checkpoint(clock, engagement, carla, miguel):
    return checkpoint_schedule(
        engagement=engagement,
        user=carla,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Revisão da lista de correção",
        starts_at=at("2026-11-10 10:00"),
        ends_at=at("2026-11-10 11:00"),
        location="https://meet.example.com/abc",
        agenda="1. Rede",
        attendees=[carla, miguel],
    )


def dispatch():
    """One beat run; test settings make the sends it enqueues run inline."""
    dispatch_notifications.delay()


def reminders_sent():
    return [
        m
        for m in mail.outbox
        if m.extra_headers["X-FastTrack-Notification"].startswith("checkpoint-reminder:")
    ]


def sent_to(kind=None):
    return sorted(
        m.to[0]
        for m in mail.outbox
        if kind is None or m.extra_headers["X-FastTrack-Notification"].startswith(kind)
    )


def test_nothing_is_sent_before_its_moment(clock, checkpoint):
    clock(at("2026-11-09 09:59"))
    dispatch()
    assert mail.outbox == []


def test_reminders_go_out_at_their_moment_once(clock, checkpoint):
    clock(at("2026-11-09 10:00"))
    dispatch()
    dispatch()  # the beat fired twice
    assert sent_to() == ["carla@example.com", "miguel@example.com"]
    clock(at("2026-11-10 09:00"))
    dispatch()
    assert len(mail.outbox) == 4
    assert not Notification.objects.exclude(status=NotificationStatus.SENT).exists()


def test_a_second_send_of_the_same_reminder_is_not_claimed(clock, checkpoint):
    reminder = checkpoint.notifications.first()
    clock(reminder.due_at)
    assert notification_send(notification_id=reminder.pk) == NotificationStatus.SENT
    assert notification_send(notification_id=reminder.pk) == "not claimed"
    assert len(mail.outbox) == 1


def test_the_reminder_is_plain_text_and_html_with_the_invitation(clock, checkpoint, engagement):
    clock(at("2026-11-09 10:00"))
    dispatch()
    message = next(m for m in mail.outbox if m.to == ["carla@example.com"])
    assert "Revisão da lista de correção" in message.subject
    assert f"/engagements/{engagement.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<h2>" in html
    received = as_received(message)
    assert received.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert list(received.iter_attachments()) == []
    method, calendar = invitation(message)
    assert method == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == checkpoint.starts_at
    assert sorted(str(attendee) for attendee in event["ATTENDEE"]) == [
        "mailto:carla@example.com",
        "mailto:miguel@example.com",
    ]
    assert str(event["ORGANIZER"]).startswith("mailto:")


def test_the_agenda_is_built_when_the_reminder_is_sent(clock, checkpoint, engagement, carla):
    tasks = engagement.tasks.filter(phase__code="avaliar", party=Party.CUSTOMER).order_by(
        "position"
    )
    first, second, third = tasks[0], tasks[1], tasks[2]
    Profile.objects.create(user=carla, language="en")
    task_set_done(task=first, user=carla, done=True)
    task_set_due_date(task=second, user=carla, due_date=datetime.date(2026, 11, 5))
    clock(at("2026-11-09 10:00"))
    dispatch()
    body = next(m for m in mail.outbox if m.to == ["carla@example.com"]).body
    open_part = body[: body.index("Overdue")]
    overdue_part = body[body.index("Overdue") : body.index("Done since")]
    done_part = body[body.index("Done since") :]
    assert first.text_en not in open_part and third.text_en in open_part
    assert second.text_en in overdue_part
    assert first.text_en in done_part
    assert "Customer (5)" in open_part


def test_a_reminder_missed_while_workers_were_down_is_sent_if_the_meeting_has_not_started(
    clock, checkpoint
):
    clock(at("2026-11-10 09:30"))  # both reminders' moments have passed
    dispatch()
    assert len(mail.outbox) == 4


def test_a_reminder_whose_meeting_started_is_dropped_and_logged(clock, checkpoint, caplog):
    clock(at("2026-11-10 10:05"))
    with caplog.at_level(logging.WARNING, logger="notifications"):
        dispatch()
    assert mail.outbox == []
    dropped = checkpoint.notifications.filter(status=NotificationStatus.DROPPED)
    assert dropped.count() == 4
    assert dropped.first().last_error == "the checkpoint had already started"
    assert "Dropped notification checkpoint-reminder" in caplog.text


def test_a_failed_send_is_retried_with_back_off_and_not_lost(clock, checkpoint, settings):
    settings.EMAIL_BACKEND = "tests.support.DownEmailBackend"
    clock(at("2026-11-09 10:00"))
    dispatch()
    failed = checkpoint.notifications.filter(status=NotificationStatus.PENDING, attempts=1)
    assert failed.count() == 2
    reminder = failed.first()
    assert "SMTPServerDisconnected" in reminder.last_error
    assert reminder.next_attempt_at == at("2026-11-09 10:01")

    dispatch()  # too early for the retry
    assert checkpoint.notifications.filter(attempts=2).count() == 0
    clock(at("2026-11-09 10:01"))
    dispatch()  # still down: the wait doubles
    reminder.refresh_from_db()
    assert (reminder.attempts, reminder.next_attempt_at) == (2, at("2026-11-09 10:03"))

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock(at("2026-11-09 10:03"))
    dispatch()
    assert sent_to() == ["carla@example.com", "miguel@example.com"]
    reminder.refresh_from_db()
    assert reminder.status == NotificationStatus.SENT and reminder.last_error == ""


def test_a_send_that_keeps_failing_ends_as_failed(clock, checkpoint, settings):
    settings.EMAIL_BACKEND = "tests.support.DownEmailBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    reminder = checkpoint.notifications.first()
    clock(reminder.due_at)
    assert notification_send(notification_id=reminder.pk) == NotificationStatus.PENDING
    clock(reminder.due_at + datetime.timedelta(minutes=5))
    assert notification_send(notification_id=reminder.pk) == NotificationStatus.FAILED


def test_a_claim_whose_worker_died_is_retaken_after_the_lease(clock, checkpoint, settings):
    reminder = checkpoint.notifications.first()
    claimed_at = reminder.due_at
    Notification.objects.filter(pk=reminder.pk).update(
        status=NotificationStatus.SENDING, claimed_at=claimed_at, attempts=1
    )
    clock(claimed_at + datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS - 1))
    assert reminder.pk not in notifications_due(now=timezone.now())
    clock(claimed_at + datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS + 1))
    dispatch()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (NotificationStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_rescheduled_checkpoint_is_reminded_for_its_new_time_only(clock, checkpoint, carla):
    clock(at("2026-11-09 10:00"))
    dispatch()
    assert len(mail.outbox) == 2
    change_checkpoint(
        checkpoint,
        carla,
        starts_at=at("2026-11-12 10:00"),
        ends_at=at("2026-11-12 11:00"),
        attendees=[carla],
    )
    clock(at("2026-11-10 09:00"))  # the old 1-hour moment
    dispatch()
    assert len(reminders_sent()) == 2  # (and carla had the update at once)
    clock(at("2026-11-11 10:00"))
    dispatch()
    assert len(reminders_sent()) == 3
    assert reminders_sent()[-1].to == ["carla@example.com"]


def test_a_cancelled_checkpoint_sends_a_cancellation_and_no_reminder(clock, checkpoint, carla):
    checkpoint_cancel(checkpoint=checkpoint, user=carla)
    dispatch()
    assert sent_to() == ["carla@example.com", "miguel@example.com"]
    notice = mail.outbox[0]
    assert notice.subject == "Cancelado: Revisão da lista de correção"
    method, calendar = invitation(notice)
    assert method == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    clock(at("2026-11-10 09:30"))
    dispatch()
    assert len(mail.outbox) == 2


def test_the_email_follows_the_recipients_language_and_time_zone(clock, checkpoint, miguel):
    Profile.objects.create(user=miguel, language="en", time_zone="Europe/Lisbon")
    clock(at("2026-11-09 10:00"))
    dispatch()
    english = next(m for m in mail.outbox if m.to == ["miguel@example.com"])
    portuguese = next(m for m in mail.outbox if m.to == ["carla@example.com"])
    assert english.subject.startswith("Reminder:")
    assert "10 Nov 2026, 13:00" in english.subject  # 10:00 in São Paulo is 13:00 in Lisbon
    assert "10 Nov 2026, 13:00" in english.body
    assert "Times are in Western European Time (Lisbon)." in english.body
    assert "Europe/Lisbon" not in english.body
    assert portuguese.subject.startswith("Lembrete:")
    assert "10/11/2026 10:00" in portuguese.subject
    assert "10/11/2026 10:00" in portuguese.body
    assert "Horário de Brasília (São Paulo)" in portuguese.body
    # Portuguese writes month names in lower case; the portal writes none at all.
    assert "ovembro" not in portuguese.body


@pytest.fixture
def due_task(engagement, carla):
    task = (
        engagement.tasks.filter(party=Party.CUSTOMER, phase__isnull=False)
        .order_by("position")
        .first()
    )
    return task_set_due_date(task=task, user=carla, due_date=datetime.date(2026, 11, 10))


def run_daily_and_dispatch():
    queue_daily_notifications.delay()
    dispatch()


def test_customer_managers_hear_the_day_before_a_customer_task_is_due(
    clock, engagement, due_task, carla, miguel
):
    # Miguel manages for Microsoft: a customer task is not his to hear about.
    clock(at("2026-11-09 07:55"))
    run_daily_and_dispatch()
    assert mail.outbox == []
    clock(at("2026-11-09 08:00"))
    run_daily_and_dispatch()
    run_daily_and_dispatch()
    assert sent_to("task-due-tomorrow") == ["carla@example.com"]


def test_the_day_after_an_open_task_is_due_its_managers_hear_it_is_overdue(
    clock, engagement, due_task, carla
):
    clock(at("2026-11-11 08:10"))
    queue_task_due_notes(now=timezone.now())
    dispatch()
    assert sent_to("task-overdue") == ["carla@example.com"]
    assert due_task.text_pt[:40] in mail.outbox[0].subject


def test_a_task_with_an_owner_tells_the_owner_not_the_managers(
    clock, engagement, due_task, carla, vera
):
    task_set_owner(task=due_task, user=carla, owner=vera)
    Notification.objects.filter(kind=NotificationKind.TASK_ASSIGNED).delete()
    clock(at("2026-11-09 08:00"))
    run_daily_and_dispatch()
    assert sent_to("task-due-tomorrow") == ["vera@example.com"]
    vera.is_active = False
    vera.save()
    clock(at("2026-11-11 08:10"))
    run_daily_and_dispatch()
    assert sent_to("task-overdue") == ["carla@example.com"]  # an owner who left: the managers


def test_the_digest_and_the_agenda_say_whom_each_open_task_waits_on(
    clock, engagement, due_task, checkpoint, carla, vera
):
    assessed = engagement.tasks.filter(party=Party.CUSTOMER, phase__code="avaliar").first()
    for task in (due_task, assessed):
        task_set_owner(task=task, user=carla, owner=vera)
    clock(at("2026-11-09 07:00"))
    queue_digests(now=timezone.now())
    clock(at("2026-11-09 10:00"))
    dispatch()
    to_carla = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    digest = next(m for m in to_carla if m.subject == "Seu resumo diário do FastTrack")
    reminder = next(m for m in to_carla if m.subject.startswith("Lembrete:"))
    assert "aguardando Vera (Cliente)" in digest.body
    assert "aguardando Vera (Cliente)" in reminder.body
    assert "aguardando Vera (Cliente)" in reminder.alternatives[0][0]


def test_no_note_for_a_task_done_in_time(clock, engagement, due_task, carla):
    task_set_done(task=due_task, user=carla, done=True)
    clock(at("2026-11-11 08:10"))
    queue_task_due_notes(now=timezone.now())
    dispatch()
    assert sent_to("task-overdue") == []


def test_the_digest_lists_overdue_and_soon_due_tasks_at_eight_local_time(
    clock, engagement, due_task, carla, miguel, vera
):
    Profile.objects.create(user=miguel, time_zone="Europe/Lisbon", language="en")
    digests_off(vera)
    clock(at("2026-11-05 04:00"))  # 07:00 in Lisbon: each is owed their 08:00
    queue_digests(now=timezone.now())
    clock(at("2026-11-05 07:30"))  # 10:30 in Lisbon
    queue_digests(now=timezone.now())
    dispatch()
    assert sent_to("digest") == ["miguel@example.com"]
    assert due_task.text_en in mail.outbox[0].body
    clock(at("2026-11-05 08:00"))
    queue_digests(now=timezone.now())
    queue_digests(now=timezone.now())
    dispatch()
    assert sent_to("digest") == ["carla@example.com", "miguel@example.com"]


def test_a_digest_with_nothing_to_say_is_not_sent(clock, engagement, carla, miguel):
    # Each party has acknowledged its standing commitments, so nothing waits on anyone.
    general_acknowledge(engagement=engagement, user=carla)
    general_acknowledge(engagement=engagement, user=miguel)
    clock(at("2026-11-05 08:00"))
    queue_digests(now=timezone.now())
    dispatch()
    assert mail.outbox == []
    assert Notification.objects.filter(
        kind=NotificationKind.DIGEST, status=NotificationStatus.SKIPPED
    ).exists()


@pytest.mark.parametrize("checkpoint_count", [5, 50])
def test_a_beat_run_costs_the_same_queries_however_many_checkpoints(
    clock, engagement, carla, checkpoint_count, django_assert_num_queries
):
    for day in range(checkpoint_count):
        checkpoint_schedule(
            engagement=engagement,
            user=carla,
            phase=Phase.objects.get(code="corrigir"),
            kind="checkpoint_call",
            title=f"Chamada {day}",
            starts_at=at("2026-11-20 10:00") + datetime.timedelta(days=day),
            ends_at=at("2026-11-20 11:00") + datetime.timedelta(days=day),
            attendees=[carla],
        )
    # retake stale claims, then stamp what is due and list it in one UPDATE ... RETURNING
    with django_assert_num_queries(2):
        assert notifications_due(now=timezone.now()) == []
    clock(at("2026-11-20 09:30") + datetime.timedelta(days=checkpoint_count))
    with django_assert_num_queries(2):
        due = notifications_due(now=timezone.now())
    assert len(due) == 2 * checkpoint_count  # each call's reminders a day and an hour before
    assert Notification.objects.filter(pk__in=due, queued_at=timezone.now()).count() == len(due)
    with django_assert_num_queries(2):
        assert notifications_due(now=timezone.now()) == []  # stamped: not listed again yet


def test_a_removed_member_hears_nothing_more(clock, checkpoint, engagement, carla, miguel):
    microsoft_task = engagement.tasks.filter(party=Party.MICROSOFT, phase__isnull=False).first()
    task_set_due_date(task=microsoft_task, user=miguel, due_date=datetime.date(2026, 11, 4))
    clock(at("2026-11-03 08:00"))
    queue_task_due_notes(now=timezone.now())
    due_note = Notification.objects.get(kind=NotificationKind.TASK_DUE_TOMORROW, recipient=miguel)
    membership = engagement.memberships.get(user=miguel)
    member_remove(membership=membership, removed_by=carla)
    # Withdrawn at once, in the removal, not left for the send to drop: the due note (which
    # no attendee list withdraws) and the reminders.
    due_note.refresh_from_db()
    assert due_note.status == NotificationStatus.WITHDRAWN
    reminders = checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_REMINDER)
    assert set(reminders.filter(recipient=miguel).values_list("status", flat=True)) == {
        NotificationStatus.WITHDRAWN
    }
    assert set(reminders.filter(recipient=carla).values_list("status", flat=True)) == {
        NotificationStatus.PENDING
    }
    checkpoint.refresh_from_db()
    assert list(checkpoint.attendees.all()) == [carla]
    assert checkpoint.sequence == 1
    clock(at("2026-11-09 10:00"))
    dispatch()
    assert sent_to() == ["carla@example.com"]


def test_a_reminder_to_someone_no_longer_a_member_is_dropped(clock, checkpoint, engagement, miguel):
    # Taken off by hand, around the service: the send still checks.
    engagement.memberships.filter(user=miguel).delete()
    clock(at("2026-11-09 10:00"))
    dispatch()
    assert sent_to() == ["carla@example.com"]
    dropped = checkpoint.notifications.get(recipient=miguel, minutes_before=24 * 60)
    assert (dropped.status, dropped.last_error) == (
        NotificationStatus.DROPPED,
        "the recipient is no longer a member",
    )


def sent_keys(kind="checkpoint-reminder:"):
    return sorted(
        key
        for key in (m.extra_headers["X-FastTrack-Notification"] for m in mail.outbox)
        if key.startswith(kind)
    )


def test_a_due_unsent_reminder_survives_an_agenda_change(clock, checkpoint, carla):
    clock(at("2026-11-09 10:05"))  # the 24-hour moment passed; no worker has sent it yet
    change_checkpoint(checkpoint, carla, agenda="1. Rede\n2. Identidade")
    dispatch()
    assert sent_to("checkpoint-reminder") == ["carla@example.com", "miguel@example.com"]


def test_a_due_reminder_refused_once_survives_an_agenda_change(clock, checkpoint, carla, settings):
    settings.EMAIL_BACKEND = "tests.support.DownEmailBackend"
    clock(at("2026-11-09 10:00"))
    dispatch()  # refused: both wait for their retry at 10:01
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    change_checkpoint(checkpoint, carla, agenda="1. Rede\n2. Identidade")
    clock(at("2026-11-09 10:01"))
    dispatch()
    assert sent_to("checkpoint-reminder") == ["carla@example.com", "miguel@example.com"]


def test_a_due_unsent_reminder_survives_another_members_removal(
    clock, checkpoint, engagement, carla, miguel
):
    clock(at("2026-11-09 10:05"))
    member_remove(membership=engagement.memberships.get(user=miguel), removed_by=carla)
    dispatch()
    assert sent_to() == ["carla@example.com"]


def test_an_offset_already_past_when_scheduled_is_not_owed(clock, engagement, carla):
    clock(at("2026-11-09 10:00"))  # exactly 24 hours before: that moment is not ahead
    late = make_checkpoint(
        engagement, carla, starts_at=at("2026-11-10 10:00"), attendees=[carla], title="Tarde"
    )
    assert list(late.notifications.values_list("minutes_before", flat=True)) == [60]


def test_a_reminder_held_by_the_mail_server_during_a_reschedule_is_never_sent(
    clock, checkpoint, carla, settings, monkeypatch
):
    reminder = checkpoint.notifications.get(recipient=carla, minutes_before=24 * 60)

    def reschedule():
        change_checkpoint(
            checkpoint,
            carla,
            starts_at=at("2026-11-12 10:00"),
            ends_at=at("2026-11-12 11:00"),
            attendees=[carla],
        )

    settings.EMAIL_BACKEND = "tests.support.HeldEmailBackend"
    monkeypatch.setattr(HeldEmailBackend, "while_held", reschedule)
    monkeypatch.setattr(HeldEmailBackend, "refuse", True)
    clock(reminder.due_at)
    notification_send(notification_id=reminder.pk)  # held, rescheduled meanwhile, refused
    clock(at("2026-11-09 11:00"))  # its retry is long due
    dispatch()
    assert sent_keys() == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (
        NotificationStatus.WITHDRAWN,
        "the checkpoint was rescheduled",
    )
    clock(at("2026-11-11 10:00"))
    dispatch()
    assert sent_keys() == [
        checkpoint_reminder_key(
            checkpoint_id=checkpoint.pk,
            starts_at=at("2026-11-12 10:00"),
            minutes_before=24 * 60,
            user_id=carla.pk,
        )
    ]


def test_a_claim_retaken_while_the_message_is_built_sends_nothing(clock, checkpoint, carla):
    reminder = checkpoint.notifications.get(recipient=carla, minutes_before=24 * 60)
    clock(reminder.due_at)
    other_sender = "f" * 32

    def retake():  # the lease ran out and another sender claimed it
        Notification.objects.filter(pk=reminder.pk).update(claim_token=other_sender)

    # Building a message first reads the recipient's profile (their language and time zone).
    with on_first_read_of("accounts_profile", retake):
        assert notification_send(notification_id=reminder.pk) == "claim lost"
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.claim_token) == (NotificationStatus.SENDING, other_sender)


def test_a_reschedule_while_the_message_is_built_withdraws_it_unsent(clock, checkpoint, carla):
    reminder = checkpoint.notifications.get(recipient=carla, minutes_before=24 * 60)
    clock(reminder.due_at)

    def reschedule():
        change_checkpoint(
            checkpoint, carla, starts_at=at("2026-11-12 10:00"), ends_at=at("2026-11-12 11:00")
        )

    with on_first_read_of("accounts_profile", reschedule):
        assert notification_send(notification_id=reminder.pk) == NotificationStatus.WITHDRAWN
    assert sent_keys() == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (
        NotificationStatus.WITHDRAWN,
        "the checkpoint was rescheduled",
    )


def test_a_queued_reminder_no_worker_took_is_queued_again_after_the_requeue_interval(
    clock, checkpoint, settings
):
    # Redis lost its queue: the rows were stamped, but no worker will ever claim them.
    settings.NOTIFICATION_REQUEUE_SECONDS = 60
    settings.NOTIFICATION_CLAIM_LEASE_SECONDS = 300
    clock(at("2026-11-09 10:00"))
    first = notifications_due(now=timezone.now())
    assert len(first) == 2
    clock(at("2026-11-09 10:00") + datetime.timedelta(seconds=59))
    assert notifications_due(now=timezone.now()) == []
    clock(at("2026-11-09 10:00") + datetime.timedelta(seconds=61))
    assert sorted(notifications_due(now=timezone.now())) == sorted(first)


def test_a_line_break_stored_in_a_title_does_not_stop_its_reminder(clock, checkpoint):
    """Titles are refused with line breaks now, but one stored before must not fail the send."""
    Checkpoint.objects.filter(pk=checkpoint.pk).update(title="Chamada\r\nBcc: evil@example.com")
    reminder = Notification.objects.filter(
        checkpoint=checkpoint, kind=NotificationKind.CHECKPOINT_REMINDER
    ).first()
    clock(reminder.due_at)
    assert notification_send(notification_id=reminder.pk) == NotificationStatus.SENT
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Chamada  Bcc: evil@example.com" in message.subject


TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.fixture
def only_carla_digests(engagement, miguel, vera):
    """Carla is the only member who wants digests."""
    digests_off(miguel, vera)


def digests_off(*users):
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, kind=NotificationKind.DIGEST, delivery=Delivery.NEVER)
        for user in users
    )


@pytest.fixture
def digest_run(clock):
    """The beat's scan at a moment, then a dispatch."""

    def run(moment):
        clock(moment)
        queue_digests(now=timezone.now())
        dispatch()

    return run


def digests_done(user):
    """The local dates of the digests whose moment came (sent, or nothing to say)."""
    return [
        key.rsplit(":", 1)[1]
        for key in Notification.objects.filter(
            kind=NotificationKind.DIGEST,
            recipient=user,
            status__in=[NotificationStatus.SENT, NotificationStatus.SKIPPED],
        )
        .order_by("due_at")
        .values_list("key", flat=True)
    ]


def test_a_digest_is_owed_at_eight_local_exactly_not_a_minute_before(
    clock, digest_run, only_carla_digests, carla
):
    Profile.objects.create(user=carla, time_zone="Europe/Lisbon")
    lisbon = zoneinfo.ZoneInfo("Europe/Lisbon")
    digest_run(at("2026-11-05 06:00", zone=lisbon))
    digest_run(at("2026-11-05 07:59", zone=lisbon))
    assert digests_done(carla) == []
    digest_run(at("2026-11-05 08:00", zone=lisbon))
    assert digests_done(carla) == ["2026-11-05"]


def test_someone_who_becomes_a_member_at_20_00_has_their_first_digest_at_08_00_next_day(
    clock, digest_run, catalogue, ada, carla
):
    clock(at("2026-11-04 20:00"))
    engagement = make_engagement(created_by=ada)
    engagement.memberships.create(user=carla, party=Party.CUSTOMER, role="manager")
    digest_run(at("2026-11-04 20:00"))
    digest_run(at("2026-11-05 07:59"))
    assert digests_done(carla) == []
    digest_run(at("2026-11-05 08:00"))
    digest_run(at("2026-11-05 20:00"))
    digest_run(at("2026-11-06 08:00"))
    assert digests_done(carla) == ["2026-11-05", "2026-11-06"]


@pytest.mark.parametrize(
    "zone_name, days",
    [
        # The spring change: 08:00 is an hour earlier in UTC than the day before.
        ("Europe/Lisbon", ["2027-03-27", "2027-03-28", "2027-03-29"]),
        ("America/New_York", ["2027-03-13", "2027-03-14", "2027-03-15"]),
        # The autumn change: an hour later.
        ("America/New_York", ["2026-10-31", "2026-11-01", "2026-11-02"]),
    ],
)
def test_the_digest_stays_at_08_00_local_across_a_clock_change(
    clock, digest_run, only_carla_digests, carla, zone_name, days
):
    Profile.objects.create(user=carla, time_zone=zone_name)
    zone = zoneinfo.ZoneInfo(zone_name)
    digest_run(at(f"{days[0]} 07:00", zone=zone))
    for day in days:
        digest_run(at(f"{day} 07:59", zone=zone))
        assert day not in digests_done(carla)
        digest_run(at(f"{day} 08:00", zone=zone))
        assert digests_done(carla)[-1] == day
    assert digests_done(carla) == days


def test_two_runs_in_one_day_owe_one_digest(clock, digest_run, only_carla_digests, due_task, carla):
    digest_run(at("2026-11-05 07:00"))
    digest_run(at("2026-11-05 08:00"))
    digest_run(at("2026-11-05 08:00"))
    digest_run(at("2026-11-05 23:59"))
    assert digests_done(carla) == ["2026-11-05"]
    assert sent_to("digest") == ["carla@example.com"]


def test_moving_west_after_the_digest_does_not_bring_a_second_one_that_day(
    clock, digest_run, only_carla_digests, due_task, carla
):
    profile = Profile.objects.create(user=carla, time_zone="Asia/Tokyo")
    digest_run(at("2026-11-04 07:00", zone=TOKYO))
    digest_run(at("2026-11-04 08:30", zone=TOKYO))
    assert sent_to("digest") == ["carla@example.com"]
    profile.time_zone = "America/Los_Angeles"  # 15:30 there, on the day before Tokyo's
    profile.save()
    digest_run(at("2026-11-03 15:40", zone=LOS_ANGELES))
    digest_run(at("2026-11-04 08:00", zone=LOS_ANGELES))  # the date Tokyo's digest named
    assert digests_done(carla) == ["2026-11-04"]
    digest_run(at("2026-11-05 07:59", zone=LOS_ANGELES))
    assert digests_done(carla) == ["2026-11-04"]
    digest_run(at("2026-11-05 08:00", zone=LOS_ANGELES))
    assert digests_done(carla) == ["2026-11-04", "2026-11-05"]


def test_a_digest_a_day_old_still_counts_after_a_move_across_the_date_line(
    clock, digest_run, only_carla_digests, due_task, carla
):
    # Kiritimati and Pago Pago are 25 hours apart, near the most two zones can be: the digest at
    # 08:00 on 4 November in one is still that person's latest a day later in the other.
    kiritimati, pago_pago = (
        zoneinfo.ZoneInfo("Pacific/Kiritimati"),
        zoneinfo.ZoneInfo("Pacific/Pago_Pago"),
    )
    profile = Profile.objects.create(user=carla, time_zone="Pacific/Kiritimati")
    digest_run(at("2026-11-04 08:00", zone=kiritimati))
    digest_run(at("2026-11-04 09:00", zone=kiritimati))  # owes the one for 5 November
    profile.time_zone = "Pacific/Pago_Pago"
    profile.save()
    digest_run(at("2026-11-04 06:59", zone=pago_pago))  # 23:59 after the digest's moment
    digest_run(at("2026-11-04 08:00", zone=pago_pago))
    assert digests_done(carla) == ["2026-11-04"]
    digest_run(at("2026-11-05 08:00", zone=pago_pago))
    assert digests_done(carla) == ["2026-11-04", "2026-11-05"]


def test_moving_east_brings_the_next_digest_at_08_00_in_the_new_zone(
    clock, digest_run, only_carla_digests, carla
):
    profile = Profile.objects.create(user=carla, time_zone="America/Los_Angeles")
    digest_run(at("2026-11-04 07:00", zone=LOS_ANGELES))
    digest_run(at("2026-11-04 08:00", zone=LOS_ANGELES))
    profile.time_zone = "Asia/Tokyo"  # 03:00 on 5 November there
    profile.save()
    digest_run(at("2026-11-05 03:00", zone=TOKYO))
    digest_run(at("2026-11-05 07:59", zone=TOKYO))
    assert digests_done(carla) == ["2026-11-04"]
    digest_run(at("2026-11-05 08:00", zone=TOKYO))
    assert digests_done(carla) == ["2026-11-04", "2026-11-05"]


def test_a_digest_owed_before_its_recipient_turned_digests_off_is_withdrawn(
    clock, digest_run, only_carla_digests, due_task, carla
):
    digest_run(at("2026-11-04 20:00"))
    digests_off(carla)
    digest_run(at("2026-11-05 08:00"))
    assert sent_to("digest") == []
    withdrawn = Notification.objects.get(kind=NotificationKind.DIGEST, recipient=carla)
    assert (withdrawn.status, withdrawn.last_error) == (
        NotificationStatus.WITHDRAWN,
        "the recipient turned this kind of email off",
    )


def test_a_claim_on_a_row_already_being_sent_fails(clock, checkpoint):
    reminder = checkpoint.notifications.first()
    clock(reminder.due_at)
    assert notification_claim(notification_id=reminder.pk, now=timezone.now())
    assert notification_claim(notification_id=reminder.pk, now=timezone.now()) is None
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (NotificationStatus.SENDING, 1)


def test_a_sender_whose_claim_was_retaken_neither_sends_nor_finishes(clock, checkpoint, settings):
    reminder = checkpoint.notifications.first()
    clock(reminder.due_at)
    first = notification_claim(notification_id=reminder.pk, now=timezone.now())
    clock(reminder.due_at + datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS))
    assert reminder.pk not in notifications_due(now=timezone.now())  # not past the lease yet
    clock(
        reminder.due_at
        + datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS, microseconds=1)
    )
    assert reminder.pk in notifications_due(now=timezone.now())
    second = notification_claim(notification_id=reminder.pk, now=timezone.now())
    assert second and second != first
    now = timezone.now()
    assert notification_deliver(notification_id=reminder.pk, claim_token=first, now=now) == (
        "claim lost"
    )
    assert mail.outbox == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.claim_token) == (NotificationStatus.SENDING, second)
    assert notification_deliver(notification_id=reminder.pk, claim_token=second, now=now) == (
        NotificationStatus.SENT
    )
    assert notification_deliver(notification_id=reminder.pk, claim_token=first, now=now) == (
        "claim lost"
    )
    assert len(mail.outbox) == 1


def test_a_refusal_after_the_lease_does_not_end_the_new_claim(
    clock, checkpoint, settings, monkeypatch
):
    reminder = checkpoint.notifications.first()
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS + 1)
    claims = []

    def lease_runs_out_and_another_worker_claims():
        clock(reminder.due_at + lease)
        notifications_due(now=timezone.now())
        claims.append(notification_claim(notification_id=reminder.pk, now=timezone.now()))

    settings.EMAIL_BACKEND = "tests.support.HeldEmailBackend"
    monkeypatch.setattr(HeldEmailBackend, "while_held", lease_runs_out_and_another_worker_claims)
    monkeypatch.setattr(HeldEmailBackend, "refuse", True)
    clock(reminder.due_at)
    notification_send(notification_id=reminder.pk)  # held past its lease, then refused
    reminder.refresh_from_db()
    assert (reminder.status, reminder.claim_token, reminder.next_attempt_at) == (
        NotificationStatus.SENDING,
        claims[0],
        None,
    )
    status = notification_deliver(
        notification_id=reminder.pk, claim_token=claims[0], now=timezone.now()
    )
    assert status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("attempts_before", "wait_seconds"),
    [(5, 60 * 2**5), (6, 3600), (7, 3600)],  # the 6th failure waits 1920 s, the 7th hits the cap
)
def test_the_retry_back_off_doubles_up_to_an_hour(
    clock, checkpoint, settings, attempts_before, wait_seconds
):
    settings.EMAIL_BACKEND = "tests.support.DownEmailBackend"
    settings.NOTIFICATION_RETRY_SECONDS = 60
    reminder = checkpoint.notifications.first()
    Notification.objects.filter(pk=reminder.pk).update(attempts=attempts_before)
    clock(reminder.due_at)
    assert notification_send(notification_id=reminder.pk) == NotificationStatus.PENDING
    reminder.refresh_from_db()
    assert reminder.next_attempt_at - reminder.due_at == datetime.timedelta(seconds=wait_seconds)


@pytest.fixture
def failed_digest(clock, engagement, carla):
    return Notification.objects.create(
        key="digest:failed",
        kind=NotificationKind.DIGEST,
        recipient=carla,
        due_at=timezone.now(),
        status=NotificationStatus.FAILED,
        attempts=10,
        next_attempt_at=timezone.now() + datetime.timedelta(hours=1),
        last_error="SMTPRecipientsRefused: mailbox full",
    )


NOTIFICATIONS_ADMIN = reverse("admin:notifications_notification_changelist")


def test_staff_list_failed_notifications_with_their_reason(client, ada, failed_digest, checkpoint):
    client.force_login(ada)
    response = client.get(NOTIFICATIONS_ADMIN, {"status__exact": "failed"})
    assert [n.key for n in response.context["cl"].result_list] == ["digest:failed"]
    assert "mailbox full" in response.content.decode()


def test_staff_retry_failed_notifications_and_only_those(
    client, ada, failed_digest, checkpoint, engagement
):
    withdrawn = checkpoint.notifications.first()
    Notification.objects.filter(pk=withdrawn.pk).update(status=NotificationStatus.WITHDRAWN)
    client.force_login(ada)
    response = client.post(
        NOTIFICATIONS_ADMIN,
        {"action": "retry", "_selected_action": [failed_digest.pk, withdrawn.pk]},
        follow=True,
    )
    assert "1 notificação voltou a aguardar envio." in response.content.decode()
    failed_digest.refresh_from_db()
    assert (failed_digest.status, failed_digest.attempts, failed_digest.next_attempt_at) == (
        NotificationStatus.PENDING,
        0,
        None,
    )
    withdrawn.refresh_from_db()
    assert withdrawn.status == NotificationStatus.WITHDRAWN


def test_the_retried_notification_is_sent(clock, engagement, due_task, failed_digest):
    clock(at("2026-11-05 08:00"))  # the task is due within the digest's 7 days
    assert notifications_retry([failed_digest.pk]) == 1
    dispatch()
    assert sent_to("digest:failed") == ["carla@example.com"]


def test_a_non_staff_user_cannot_reach_the_list_or_retry(client, carla, failed_digest):
    client.force_login(carla)
    assert client.get(NOTIFICATIONS_ADMIN).status_code == 302
    client.post(NOTIFICATIONS_ADMIN, {"action": "retry", "_selected_action": [failed_digest.pk]})
    failed_digest.refresh_from_db()
    assert failed_digest.status == NotificationStatus.FAILED


# Updates: a change calendars must pick up is sent to the attendees at once.


def updates_sent():
    return [
        m
        for m in mail.outbox
        if m.extra_headers["X-FastTrack-Notification"].startswith("checkpoint-updated:")
    ]


def invitation_event(message):
    _, calendar = invitation(message)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def reschedule(checkpoint, user, start, **changes):
    return change_checkpoint(
        checkpoint,
        user,
        starts_at=at(start),
        ends_at=at(start) + datetime.timedelta(hours=1),
        **changes,
    )


def test_a_reschedule_sends_each_attendee_an_update_with_the_invitation_at_once(
    clock, checkpoint, carla
):
    (original,) = Calendar.from_ical(checkpoint_ics(checkpoint)).walk("VEVENT")
    reschedule(checkpoint, carla, "2026-11-12 15:00")
    dispatch()
    dispatch()  # the beat fired twice
    assert sorted(m.to[0] for m in updates_sent()) == ["carla@example.com", "miguel@example.com"]
    assert len(mail.outbox) == 2  # nothing else: the reminders wait for their moments
    for message in updates_sent():
        assert message.subject == "Atualizado: Revisão da lista de correção, 12/11/2026 15:00"
        assert "12/11/2026 15:00" in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html" and "12/11/2026 15:00" in html
        calendar, event = invitation_event(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == str(original["UID"])
        assert event.decoded("SEQUENCE") > original.decoded("SEQUENCE")
        assert event.decoded("DTSTART") == at("2026-11-12 15:00")


def test_an_agenda_change_sends_an_update_too(clock, checkpoint, carla):
    change_checkpoint(checkpoint, carla, agenda="1. Rede\n2. Identidade")
    dispatch()
    assert sorted(m.to[0] for m in updates_sent()) == ["carla@example.com", "miguel@example.com"]
    _, event = invitation_event(updates_sent()[0])
    assert "2. Identidade" in str(event["DESCRIPTION"])
    assert event.decoded("SEQUENCE") == 1


def test_a_change_of_phase_or_kind_only_sends_no_update(clock, checkpoint, carla):
    change_checkpoint(
        checkpoint, carla, phase=Phase.objects.get(code="corrigir"), kind="verification"
    )
    dispatch()
    assert mail.outbox == []
    assert not checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_UPDATED).exists()


def test_only_the_newest_of_two_quick_updates_is_delivered(clock, checkpoint, carla):
    reschedule(checkpoint, carla, "2026-11-12 15:00")
    reschedule(checkpoint, carla, "2026-11-13 09:00")
    dispatch()
    assert sorted(m.to[0] for m in updates_sent()) == ["carla@example.com", "miguel@example.com"]
    for message in updates_sent():
        assert "13/11/2026 09:00" in message.subject
        _, event = invitation_event(message)
        assert event.decoded("SEQUENCE") == 2
    older = checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_UPDATED, sequence=1)
    assert (
        sorted(older.values_list("status", "last_error"))
        == [(NotificationStatus.WITHDRAWN, "a newer update supersedes it")] * 2
    )


def test_an_update_held_by_the_mail_server_during_a_newer_change_is_never_sent(
    clock, checkpoint, carla, settings, monkeypatch
):
    reschedule(checkpoint, carla, "2026-11-12 15:00")
    first = checkpoint.notifications.get(kind=NotificationKind.CHECKPOINT_UPDATED, recipient=carla)
    settings.EMAIL_BACKEND = "tests.support.HeldEmailBackend"
    monkeypatch.setattr(
        HeldEmailBackend, "while_held", lambda: reschedule(checkpoint, carla, "2026-11-13 09:00")
    )
    monkeypatch.setattr(HeldEmailBackend, "refuse", True)
    notification_send(notification_id=first.pk)  # held, changed meanwhile, refused
    clock(at("2026-11-02 13:00"))  # its retry is long due
    dispatch()
    first.refresh_from_db()
    assert first.status == NotificationStatus.WITHDRAWN
    assert [event.decoded("SEQUENCE") for _, event in map(invitation_event, updates_sent())] == [
        2,
        2,
    ]


def test_a_cancellation_withdraws_the_pending_update_and_says_it_all(clock, checkpoint, carla):
    reschedule(checkpoint, carla, "2026-11-12 15:00")
    checkpoint_cancel(checkpoint=checkpoint, user=carla)
    updates = checkpoint.notifications.filter(kind=NotificationKind.CHECKPOINT_UPDATED)
    assert set(updates.values_list("status", flat=True)) == {NotificationStatus.WITHDRAWN}
    dispatch()
    assert updates_sent() == []
    assert sent_to("checkpoint-cancelled") == ["carla@example.com", "miguel@example.com"]


def test_an_attendee_removed_by_the_change_gets_no_update(clock, checkpoint, carla):
    reschedule(checkpoint, carla, "2026-11-12 15:00", attendees=[carla])
    dispatch()
    assert sent_to() == ["carla@example.com"]


def test_the_update_is_in_the_attendees_language_and_time_zone(clock, checkpoint, carla, miguel):
    Profile.objects.create(user=miguel, language="en", time_zone="Europe/Lisbon")
    reschedule(checkpoint, carla, "2026-11-12 15:00")
    dispatch()
    english = next(m for m in updates_sent() if m.to == ["miguel@example.com"])
    portuguese = next(m for m in updates_sent() if m.to == ["carla@example.com"])
    assert english.subject == "Updated: Revisão da lista de correção, 12 Nov 2026, 18:00"
    assert "has changed" in english.body and "12 Nov 2026, 18:00" in english.body
    assert "Western European Time (Lisbon)" in english.body
    assert portuguese.subject.startswith("Atualizado:")
    assert "foi alterado" in portuguese.body


def test_an_update_whose_meeting_started_is_dropped(clock, checkpoint, carla):
    reschedule(checkpoint, carla, "2026-11-02 14:00")
    clock(at("2026-11-02 14:05"))  # workers were down until after the start
    dispatch()
    assert updates_sent() == []
