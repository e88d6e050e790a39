"""The demo's past owes nothing: its events are dated weeks back, and what they owed then
(invitations, sign-off requests, assignment notes) is not sent by the first worker run."""

from django.core import mail
from django.utils import timezone

from engagements.demo import demo_data_create
from engagements.models import Engagement
from notifications.models import Notification, NotificationKind, NotificationStatus

from .test_notifications import dispatch


def test_the_first_worker_run_after_seeding_sends_nothing_the_demo_dates_in_the_past(demo):
    dispatch()
    assert mail.outbox == []
    dropped = Notification.objects.filter(status=NotificationStatus.DROPPED)
    assert {note.kind for note in dropped} >= {
        NotificationKind.INVITATION,
        NotificationKind.GATE_READY,
        NotificationKind.GATE_SIGNED,
        NotificationKind.TASK_ASSIGNED,
    }
    assert all(note.due_at <= timezone.now() for note in dropped)


def test_the_coming_checkpoint_s_reminders_stay_owed(demo):
    ahead = Notification.objects.filter(kind=NotificationKind.CHECKPOINT_REMINDER)
    assert ahead.exists()
    assert set(ahead.values_list("status", flat=True)) == {NotificationStatus.PENDING}
    assert all(note.due_at > timezone.now() for note in ahead)


def test_seeding_again_leaves_notes_owed_since_untouched(demo, catalogue):
    """A re-run builds only what is missing: notes owed by today's real work stay owed."""
    pm = demo.memberships.get(user__username="pm").user
    note = Notification.objects.create(
        key="invitation:scratch",
        kind=NotificationKind.INVITATION,
        recipient=pm,
        engagement=demo,
        due_at=timezone.now(),
    )
    Engagement.objects.filter(customer="Tailspin Toys").delete()
    demo_data_create()
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING
    tailspin = Engagement.objects.get(customer="Tailspin Toys")
    owed = Notification.objects.filter(engagement=tailspin, due_at__lte=timezone.now())
    assert set(owed.values_list("status", flat=True)) == {NotificationStatus.DROPPED}
