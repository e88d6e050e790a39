"""Downloads: the audit trail and the portfolio as CSV, a checkpoint as an .ics file."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fasttrack.formatting import iso_timestamp

from ..access import get_checkpoint_for_user, get_engagement_for_user
from ..calendar import checkpoint_ics
from ..event_text import event_change_text
from ..selectors.activity import engagement_audit_events
from ..selectors.portfolio import portfolio_rows
from .portfolio import portfolio_filters

# Lines sent together after the header, which goes out alone, at once.
_LINES_PER_CHUNK = 100


class _Echo:
    """A file-like sink for csv.writer whose write returns the line for streaming."""

    def write(self, value):
        return value


# Spreadsheets also read the full-width forms as formula signs, and skip invisible characters
# before one, so those starts are defused too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _is_formula(cell) -> bool:
    return isinstance(cell, str) and cell.lstrip(_INVISIBLE).startswith(_FORMULA_STARTS)


def _csv_chunks(rows):
    """CSV text to stream, a few lines at a time (one write per line would cost the server a
    system call each); a text cell a spreadsheet would run as a formula gets a leading '
    (notes and names are typed by people, and the file is opened by others)."""
    writer = csv.writer(_Echo())
    lines = []
    for number, row in enumerate(rows):
        lines.append(writer.writerow([f"'{cell}" if _is_formula(cell) else cell for cell in row]))
        if number == 0 or len(lines) == _LINES_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _csv_download(rows, filename) -> StreamingHttpResponse:
    """A CSV download streamed from `rows`, the header first."""
    response = StreamingHttpResponse(_csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_AUDIT_HEADER = [
    "sequence",
    "at",
    "actor",
    "party",
    "on_behalf_of",
    "kind",
    "task",
    "checkpoint",
    "change",
    "reason",
    "previous_hash",
    "hash",
]


@login_required
def audit_csv(request, pk):
    access = get_engagement_for_user(request.user, pk)
    access.require(access.can_download_audit)
    events = engagement_audit_events(access.engagement, newest_first=False)
    # The rows are made while the response streams, after the middleware has put the
    # reader's time zone back: keep the reader's language and zone for them.
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def rows():
        yield _AUDIT_HEADER
        with translation.override(language), timezone.override(zone):
            for event in events.iterator():
                yield [
                    event.sequence,
                    iso_timestamp(event.created_at),
                    event.actor_name,
                    event.party,
                    event.on_behalf_of,
                    event.kind,
                    event.task.text_pt if event.task else "",
                    event.checkpoint.title if event.checkpoint else "",
                    event_change_text(event, export=True),
                    event.reason,
                    event.previous_hash,
                    event.hash,
                ]

    return _csv_download(rows(), f"audit-engagement-{access.engagement.pk}.csv")


_PORTFOLIO_HEADER = [
    gettext_lazy("Customer"),
    gettext_lazy("Services"),
    gettext_lazy("Current phase"),
    gettext_lazy("Customer done"),
    gettext_lazy("Customer tasks"),
    gettext_lazy("Microsoft done"),
    gettext_lazy("Microsoft tasks"),
    gettext_lazy("Overdue"),
    gettext_lazy("Next checkpoint"),
    gettext_lazy("Last activity"),
    gettext_lazy("At risk"),
    gettext_lazy("Why"),
]


def _portfolio_line(row) -> list:
    status, checkpoint = row.status, row.status.next_checkpoint
    return [
        row.engagement.customer,
        "; ".join(row.engagement.service_labels()),
        status.current_phase.name if status.current_phase else _("Completed"),
        status.customer.done,
        status.customer.total,
        status.microsoft.done,
        status.microsoft.total,
        status.overdue,
        iso_timestamp(checkpoint.starts_at if checkpoint else None),
        iso_timestamp(status.last_activity_at),
        _("yes") if row.risk_reasons else _("no"),
        "; ".join(row.risk_reasons),
    ]


@login_required
def portfolio_csv(request):
    """The filtered portfolio, streamed: each row is written as the database yields it, so the
    first byte leaves at once and a worker's memory does not grow with the portfolio."""
    phases, _form, filters, _query = portfolio_filters(request)
    portfolio = portfolio_rows(request.user, filters, timezone.now(), phases)
    # The rows are made while the response streams, after the middleware has put the reader's
    # language and time zone back: keep them for the rows.
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def rows():
        with translation.override(language), timezone.override(zone):
            yield _PORTFOLIO_HEADER
            for row in portfolio:
                yield _portfolio_line(row)

    return _csv_download(rows(), "portfolio.csv")


@login_required
def checkpoint_calendar(request, pk, checkpoint_pk):
    _access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk)
    response = HttpResponse(checkpoint_ics(checkpoint), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="checkpoint-{checkpoint.pk}.ics"'
    return response
