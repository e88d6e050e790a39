"""Two beats filing the same ended checkpoint's report at the same moment, on PostgreSQL, in
real threads: the checkpoint's row lock lets one file it and the other find it filed."""

import threading

from django.db import connection

from accounts.models import Profile
from engagements.audit import engagement_chain_problems
from engagements.models import CheckpointReport, EventKind
from notifications.models import Notification, NotificationKind
from reports.filing import checkpoint_report_file

from ..factories import at, make_checkpoint

CLOCK_START = "2026-10-20 10:00"


def test_two_beats_at_once_file_and_owe_each_report_once(
    postgres_db, clock, engagement, carla, miguel
):
    Profile.objects.create(user=miguel, language="en", time_zone="Europe/Lisbon")
    checkpoint = make_checkpoint(
        engagement, carla, starts_at=at("2026-10-21 10:00"), attendees=[carla, miguel]
    )
    ended = at("2026-10-21 11:05")
    barrier = threading.Barrier(2)
    outcomes = []

    def beat():
        barrier.wait()
        try:
            outcomes.append(len(checkpoint_report_file(checkpoint_id=checkpoint.pk, now=ended)))
        except Exception as error:  # e.g. an IntegrityError: the test reports it
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One beat filed both readings (Portuguese in São Paulo, English in Lisbon); the other none.
    assert sorted(outcomes) == [0, 2]
    assert CheckpointReport.objects.filter(checkpoint=checkpoint).count() == 2
    assert checkpoint.events.filter(kind=EventKind.CHECKPOINT_REPORT_FILED).count() == 2
    owed = Notification.objects.filter(kind=NotificationKind.CHECKPOINT_REPORT)
    assert sorted(owed.values_list("recipient__username", flat=True)) == ["carla", "miguel"]
    engagement.refresh_from_db()
    assert engagement_chain_problems(engagement) == []
