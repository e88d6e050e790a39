"""Two workers, each running its own beat, file and send a checkpoint's reports once: real
Celery processes on the test's own Redis and PostgreSQL."""

import datetime
import time

import pytest
from django.utils import timezone

from accounts.models import Profile
from engagements.models import Checkpoint, CheckpointReport, EventKind
from notifications.models import Notification, NotificationKind, NotificationStatus
from responsibilities.models import Phase

from .conftest import count_messages, wait_for

pytestmark = [
    pytest.mark.celery_integration,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


def test_two_beats_file_and_send_each_attendee_s_report_once(
    own_redis, start_worker, postgres_db, engagement, carla, miguel, mail_dir, tmp_path
):
    Profile.objects.create(user=miguel, language="en", time_zone="Europe/Lisbon")
    now = timezone.now()
    # Put straight in the table: a meeting cannot be scheduled in the past.
    checkpoint = Checkpoint.objects.create(
        engagement=engagement,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Revisão",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now - datetime.timedelta(minutes=1),
    )
    checkpoint.attendees.set([carla, miguel])
    store = {"EVIDENCE_ROOT": str(tmp_path / "store")}
    start_worker(own_redis.url, beat=True, name="first", **store)
    start_worker(own_redis.url, beat=True, name="second", **store)
    sent = Notification.objects.filter(
        kind=NotificationKind.CHECKPOINT_REPORT, status=NotificationStatus.SENT
    )
    wait_for(lambda: sent.count() == 2, timeout=60, what="both reports to be sent")
    time.sleep(3)  # both beats keep firing every second: nothing more may be filed or sent
    assert count_messages(mail_dir) == 2
    assert CheckpointReport.objects.filter(checkpoint=checkpoint).count() == 2
    assert checkpoint.events.filter(kind=EventKind.CHECKPOINT_REPORT_FILED).count() == 2
