"""Downloads: the audit trail and the portfolio as CSV, the portfolio as an .xlsx workbook, a
checkpoint as an .ics file."""

import codecs
import csv
import datetime
import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from engagements.access import get_checkpoint_for_user, get_engagement_for_user
from engagements.activity.selectors import engagement_audit_events
from engagements.activity.text import event_change_text
from engagements.meetings.calendar import checkpoint_ics
from engagements.status.portfolio import portfolio_rows
from engagements.status.views import portfolio_filters
from fasttrack.formatting import (
    csv_delimiter,
    iso_timestamp,
    spreadsheet_date_format,
    spreadsheet_datetime_format,
)

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


def _csv_cell(value):
    if isinstance(value, datetime.datetime):
        return iso_timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return f"'{value}" if _is_formula(value) else value


def _csv_chunks(rows, delimiter: str):
    """CSV text to stream, a few lines at a time (one write per line would cost the server a
    system call each), after the byte order mark without which Excel reads UTF-8 as Latin-1; a
    text cell a spreadsheet would run as a formula gets a leading ' (notes and names are typed
    by people, and the file is opened by others)."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    lines = [codecs.BOM_UTF8.decode()]
    for number, row in enumerate(rows):
        lines.append(writer.writerow([_csv_cell(value) for value in row]))
        if number == 0 or len(lines) == _LINES_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def _csv_download(rows, filename) -> StreamingHttpResponse:
    """A CSV download streamed from `rows`, the header first, separated as Excel expects in the
    reader's language."""
    response = StreamingHttpResponse(
        _csv_chunks(rows, csv_delimiter()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(sheet, value, date_format: str) -> WriteOnlyCell:
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the reader's wall-clock time, shown in their style.
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
        cell.number_format = date_format
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = spreadsheet_date_format()
        return cell
    if isinstance(value, Promise):  # the header's lazy translations
        value = str(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text typed by people is never run as a formula
    return cell


def _xlsx_download(rows, filename) -> FileResponse:
    """An .xlsx workbook of `rows`, written row by row to a temporary file, not held in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    date_format = spreadsheet_datetime_format()
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, date_format) for value in row])
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    workbook.save(file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


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
    gettext_lazy("Planned end"),
    gettext_lazy("Forecast end (50%)"),
    gettext_lazy("Slip (days)"),
]


def _portfolio_line(row) -> list:
    status, checkpoint, plan = row.status, row.status.next_checkpoint, row.plan
    return [
        row.engagement.customer,
        "; ".join(row.engagement.service_labels()),
        status.current_phase.name if status.current_phase else _("Completed"),
        status.customer.done,
        status.customer.total,
        status.microsoft.done,
        status.microsoft.total,
        status.overdue,
        checkpoint.starts_at if checkpoint else None,
        status.last_activity_at,
        _("yes") if row.risk_reasons else _("no"),
        "; ".join(row.risk_reasons),
        plan.planned_end,
        plan.end,
        plan.slip_days,
    ]


def _portfolio_lines(request):
    """The filtered portfolio's rows, the header first, made as the database yields them."""
    phases, _form, filters, _query = portfolio_filters(request)
    portfolio = portfolio_rows(request.user, filters, timezone.now(), phases)
    # A streamed CSV's rows are made after the middleware has put the reader's language and
    # time zone back: keep them for the rows.
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def rows():
        with translation.override(language), timezone.override(zone):
            yield _PORTFOLIO_HEADER
            for row in portfolio:
                yield _portfolio_line(row)

    return rows()


@login_required
def portfolio_csv(request):
    """The filtered portfolio, streamed: each row is written as the database yields it, so the
    first byte leaves at once and a worker's memory does not grow with the portfolio."""
    return _csv_download(_portfolio_lines(request), "portfolio.csv")


@login_required
def portfolio_xlsx(request):
    """The filtered portfolio as a workbook: counts as numbers and moments as dates, which a
    CSV cannot carry."""
    return _xlsx_download(_portfolio_lines(request), "portfolio.xlsx")


@login_required
def checkpoint_calendar(request, pk, checkpoint_pk):
    _access, checkpoint = get_checkpoint_for_user(request.user, pk, checkpoint_pk)
    response = HttpResponse(checkpoint_ics(checkpoint), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="checkpoint-{checkpoint.pk}.ics"'
    return response
