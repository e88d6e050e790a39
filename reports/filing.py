"""Filing a checkpoint's status report once the meeting ended: one PDF per language and time
zone its attendees read in, kept in the private store with its SHA-256 in the audit trail, and
owed to each attendee by email in the same transaction.

Exactly once, even with two beats: the filing locks the checkpoint row and files only if it has
no report yet (a second filer waits for the lock, then finds the reports and does nothing); the
reports' unique (checkpoint, language, time zone) and the notifications' unique keys stand
behind that, and a send claims its row before talking to the mail server.
"""

import datetime
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from accounts.models import Profile
from engagements.journal import engagement_changed, event_record
from engagements.meetings.records import report_changes
from engagements.models import Checkpoint, CheckpointReport, EventKind
from notifications.owing import owe_checkpoint_reports
from reports.content import status_report
from reports.pdf import status_report_pdf

# A meeting that ended longer ago than this when a beat first sees it gets no report: what it
# would tell is no longer the status after the meeting (and deploying this must not mail a
# report for every meeting of the past).
REPORT_LATE_LIMIT = datetime.timedelta(days=3)
FILING_BATCH = 50


def checkpoints_awaiting_report(*, now: datetime.datetime) -> list[int]:
    """The meetings that ended (within REPORT_LATE_LIMIT), were not cancelled and have no
    report filed yet (one query)."""
    return list(
        Checkpoint.objects.filter(
            cancelled_at__isnull=True, ends_at__lte=now, ends_at__gt=now - REPORT_LATE_LIMIT
        )
        .exclude(Exists(CheckpointReport.objects.filter(checkpoint=OuterRef("pk"))))
        .order_by("ends_at")
        .values_list("pk", flat=True)[:FILING_BATCH]
    )


def _readings(attendee_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each attendee's (language, time zone), the portal's where they chose none."""
    chosen = {
        user_id: (language, zone)
        for user_id, language, zone in Profile.objects.filter(user_id__in=attendee_ids).values_list(
            "user_id", "language", "time_zone"
        )
    }
    portal = (settings.LANGUAGE_CODE, settings.TIME_ZONE)
    return {user_id: chosen.get(user_id, portal) for user_id in attendee_ids}


def _report_store(checkpoint, language, zone, now, recipients) -> CheckpointReport:
    with translation.override(language), timezone.override(zone):
        report = status_report(checkpoint.engagement, now, checkpoint=checkpoint)
        content = status_report_pdf(report)
    report = CheckpointReport(
        checkpoint=checkpoint,
        language=language,
        time_zone=zone,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        as_of=now,
    )
    report.file.save("report.pdf", ContentFile(content), save=False)
    try:
        report.save()
        event_record(
            engagement_id=checkpoint.engagement_id,
            checkpoint=checkpoint,
            actor=None,
            party="",
            kind=EventKind.CHECKPOINT_REPORT_FILED,
            changes=report_changes(report, recipients),
        )
    except Exception:
        report.file.storage.delete(report.file.name)
        raise
    return report


@transaction.atomic
def checkpoint_report_file(*, checkpoint_id: int, now: datetime.datetime) -> list[CheckpointReport]:
    """File the ended meeting's reports and owe them to its attendees; nothing when it has
    reports already, was cancelled or has not ended."""
    checkpoint = (
        Checkpoint.objects.select_for_update()
        .select_related("engagement", "phase")
        .get(pk=checkpoint_id)
    )
    if checkpoint.is_cancelled or checkpoint.ends_at > now or checkpoint.reports.exists():
        return []
    attendees = list(checkpoint.attendees.order_by("first_name", "username"))
    readings = _readings([user.pk for user in attendees])
    # A meeting nobody attended still gets its report on record, as the portal reads.
    by_reading = {reading: [] for reading in readings.values()} or {
        (settings.LANGUAGE_CODE, settings.TIME_ZONE): []
    }
    for user in attendees:
        by_reading[readings[user.pk]].append(user)
    filed = []
    try:
        for (language, zone), recipients in sorted(by_reading.items()):
            filed.append(_report_store(checkpoint, language, zone, now, recipients))
    except Exception:
        # The transaction undoes the rows; the files written before the failure go too.
        for report in filed:
            report.file.storage.delete(report.file.name)
        raise
    reports = {(report.language, report.time_zone): report for report in filed}
    owe_checkpoint_reports(
        checkpoint, {user.pk: reports[readings[user.pk]] for user in attendees}, now
    )
    # The report's event is the engagement's latest activity.
    engagement_changed(engagement_id=checkpoint.engagement_id)
    return filed
