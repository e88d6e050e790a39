"""Downloads: the audit trail and the portfolio as CSV, a checkpoint as an .ics file."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fasttrack.formatting import iso_timestamp

from ..access import get_checkpoint_for_user, get_engagement_for_user
from ..calendar import checkpoint_ics
from ..event_text import event_change_text
from ..selectors.activity import engagement_audit_events
from ..selectors.portfolio import portfolio_rows
from .portfolio import portfolio_filters


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


def _csv_lines(rows):
    """CSV lines to stream; a text cell a spreadsheet would run as a formula gets a leading '
    (notes and names are typed by people, and the file is opened by others)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([f"'{cell}" if _is_formula(cell) else cell for cell in row])


def _csv_download(header, rows, filename) -> StreamingHttpResponse:
    def lines():
        yield from _csv_lines([header])
        yield from _csv_lines(rows)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
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

    return _csv_download(_AUDIT_HEADER, rows(), f"audit-engagement-{access.engagement.pk}.csv")


@login_required
def portfolio_csv(request):
    phases, _form, filters, _query = portfolio_filters(request)
    now = timezone.now()
    header = [
        _("Customer"),
        _("Services"),
        _("Current phase"),
        _("Customer done"),
        _("Customer tasks"),
        _("Microsoft done"),
        _("Microsoft tasks"),
        _("Overdue"),
        _("Next checkpoint"),
        _("Last activity"),
        _("At risk"),
        _("Why"),
    ]
    # Built now, not while streaming: by then the user's language and time zone are gone.
    table = []
    for row in portfolio_rows(request.user, filters, now, phases):
        status, checkpoint = row.status, row.status.next_checkpoint
        table.append(
            [
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
        )
    return _csv_download(header, table, "portfolio.csv")


@login_required
def checkpoint_calendar(request, pk, checkpoint_pk):
    _access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk)
    response = HttpResponse(checkpoint_ics(checkpoint), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="checkpoint-{checkpoint.pk}.ics"'
    return response
