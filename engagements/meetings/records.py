"""What the audit trail keeps of a report filed with a checkpoint, and the check that the
stored reports are still what it says (verify_audit, through engagements/verify/checks.py)."""

import datetime
import hashlib
import unicodedata

from django.utils.translation import gettext as _

from engagements.models import BRIEF_FIELDS, CheckpointBrief, CheckpointReport
from trail.chain import actor_name


def report_changes(report: CheckpointReport, recipients) -> dict:
    """The event's data: which file, for whom, read how (see engagements/activity/text.py)."""
    return {
        "report": report.pk,
        "language": report.language,
        "time_zone": report.time_zone,
        "as_of": report.as_of.astimezone(datetime.UTC).isoformat(),
        "size": report.size,
        "sha256": report.sha256,
        "recipients": [{"id": user.pk, "name": actor_name(user)} for user in recipients],
    }


# What a file name cannot hold on Windows, macOS or Linux, or a mail client's download folder.
_NOT_IN_FILE_NAMES = frozenset('<>:"/\\|?*')


def status_report_file_name(customer: str, day: datetime.date) -> str:
    """ "Contoso - status 2026-12-07.pdf" in the active language: the customer's name people
    look for in a folder, the day in ISO order so a folder sorts them by date."""
    safe = "".join(
        " " if char in _NOT_IN_FILE_NAMES or unicodedata.category(char)[0] == "C" else char
        for char in customer
    )
    safe = " ".join(safe.split()).strip(". ")[:80] or "FastTrack"
    return (
        _("%(customer)s - status %(date)s") % {"customer": safe, "date": day.isoformat()} + ".pdf"
    )


def stored_sha256(field_file) -> str | None:
    """The SHA-256 of a stored file's bytes as the store holds them now (None: it is gone)."""
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as stored:
            for chunk in stored.chunks():
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def report_problems(engagement, said: dict[int, dict], name: str) -> list[str]:
    """Each report of the engagement's checkpoints whose row or stored bytes are not what its
    event says, each report no event filed, and each one the trail filed that is gone."""
    problems = []
    rows = {
        row.pk: row
        for row in CheckpointReport.objects.filter(checkpoint__engagement=engagement).order_by("pk")
    }
    for pk, row in rows.items():
        where = f"{name}, checkpoint {row.checkpoint_id}, report {pk} ({row.language})"
        event = said.get(pk)
        if event is None:
            problems.append(f"{where}: no event of the trail filed it")
            continue
        for field in ("checkpoint_id", "language", "time_zone", "size", "sha256"):
            expected = event["checkpoint"] if field == "checkpoint_id" else event[field]
            if getattr(row, field) != expected:
                problems.append(
                    f"{where}: {field} is {getattr(row, field)!r}, but its event says {expected!r}"
                )
        stored = stored_sha256(row.file)
        if stored is None:
            problems.append(f"{where}: the stored report is missing")
        elif stored != event["sha256"]:
            problems.append(
                f"{where}: the stored report's SHA-256 is {stored}, "
                f"but its event says {event['sha256']}"
            )
    problems += [f"{name}, report {pk}: missing (deleted?)" for pk in said if pk not in rows]
    return problems


def brief_problems(engagement, said: dict[int, dict], name: str) -> list[str]:
    """Each checkpoint brief whose texts are not what its events wrote, and each brief the
    trail wrote that is gone (a brief starts empty: a field no event wrote must be empty)."""
    rows = {
        brief.checkpoint_id: brief
        for brief in CheckpointBrief.objects.filter(checkpoint__engagement=engagement)
    }
    problems = []
    for checkpoint_id in sorted(rows.keys() | said.keys()):
        where = f"{name}, checkpoint {checkpoint_id}, brief"
        brief, written = rows.get(checkpoint_id), said.get(checkpoint_id)
        if brief is None:
            problems.append(f"{where}: missing (deleted?)")
            continue
        problems += [
            f"{where}: {field} is not what its last event wrote"
            for field in BRIEF_FIELDS
            if getattr(brief, field) != (written or {}).get(field, "")
        ]
    return problems
