"""A status report drawn as an A4 PDF with fpdf2 (pure Python, nothing from the system).

Everything is written in the active language and time zone: call `status_report_pdf` inside
the reader's (a page request already is; an email is composed inside its recipient's). Stored
texts pass through one_line / without_bidi_controls, as on the pages, so a name typed with a
control character cannot rearrange the report.
"""

from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from fasttrack.bounds import one_line, without_bidi_controls
from fasttrack.formatting import format_date, format_datetime

from ..templatetags.people import person, waiting_on
from .content import StatusReport

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"
LINE = 5.2  # mm: the body's line height
INK, MUTED, ACCENT, RISK = (20, 20, 20), (95, 95, 95), (0, 90, 158), (170, 30, 30)


def _clean(value) -> str:
    return without_bidi_controls(one_line(str(value)))


class _Document(FPDF):
    def __init__(self, title: str):
        super().__init__(format="A4")
        self.report_title = title
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_creator("FastTrack Portal")
        self.alias_nb_pages()

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, f"{self.report_title} · {page}", align="C")

    def heading(self, text: str):
        if self.get_y() > self.h - 45:  # keep a heading with what follows it
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.set_text_color(*ACCENT)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FONT, "", 9.5)

    def line_of_text(self, text: str, *, bold=False, color=INK, indent=0.0):
        self.set_font(FONT, "B" if bold else "", 9.5)
        self.set_text_color(*color)
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FONT, "", 9.5)

    def bullet(self, text: str, *, indent=0.0, color=INK):
        """A list item whose wrapped lines hang under its first word."""
        self.set_text_color(*color)
        self.set_x(self.l_margin + indent)
        self.cell(4, LINE, "•")
        self.multi_cell(0, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def facts(self, rows: list[tuple[str, str]]):
        for label, value in rows:
            self.set_font(FONT, "B", 9.5)
            self.cell(60, LINE, label)
            self.set_font(FONT, "", 9.5)
            self.multi_cell(0, LINE, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _tally(tally) -> str:
    if not tally.total:
        return "–"
    return f"{tally.done}/{tally.total} ({tally.percent}%)"


def _header(pdf: _Document, report: StatusReport):
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 9, pdf.report_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    zone = timezone.get_current_timezone()
    pdf.line_of_text(
        _("As of %(when)s (%(zone)s)")
        % {"when": format_datetime(report.as_of), "zone": getattr(zone, "key", str(zone))},
        color=MUTED,
    )
    if report.checkpoint:
        pdf.line_of_text(
            _("Sent to the attendees of “%(title)s” (%(when)s), after it ended.")
            % {
                "title": _clean(report.checkpoint.title),
                "when": format_datetime(report.checkpoint.starts_at),
            },
            color=MUTED,
        )


def _facts(pdf: _Document, report: StatusReport):
    engagement, status = report.engagement, report.status
    phase = status.current_phase
    checkpoint = status.next_checkpoint
    pdf.ln(2)
    pdf.facts(
        [
            (_("Services"), ", ".join(str(label) for label in engagement.service_labels())),
            (_("Licences"), str(engagement.licence_count)),
            (_("Start date"), format_date(engagement.start_date)),
            (
                _("Current phase"),
                f"{phase.name} ({status.waiting_label()})" if phase else _("Completed"),
            ),
            (
                _("Next checkpoint"),
                f"{_clean(checkpoint.title)}, {format_datetime(checkpoint.starts_at)}"
                if checkpoint
                else "–",
            ),
            (
                _("Last activity"),
                format_datetime(status.last_activity_at) if status.last_activity_at else "–",
            ),
        ]
    )
    pdf.ln(2)
    if report.risk_reasons:
        pdf.line_of_text("⚠ " + _("At risk"), bold=True, color=RISK)
        for reason in report.risk_reasons:
            pdf.bullet(_clean(reason), color=RISK)
    else:
        pdf.line_of_text("✓ " + _("On track"), bold=True)


def _progress(pdf: _Document, report: StatusReport):
    pdf.heading(_("Progress"))
    overall = report.progress.overall
    pdf.line_of_text(
        _("%(done)s of %(total)s tasks done (%(percent)s%%)")
        % {"done": overall.done, "total": overall.total, "percent": overall.percent}
    )
    pdf.ln(1)
    with pdf.table(col_widths=(45, 45, 45, 45), line_height=LINE + 1, padding=1) as table:
        header = table.row()
        for title in (_("Phase"), _("Customer"), _("Microsoft"), _("Total")):
            header.cell(title)
        for row in report.progress.phases:
            cells = table.row()
            cells.cell(row.phase.name)
            for _label, tally in row.parties():
                cells.cell(_tally(tally))
            cells.cell(_tally(row.overall))


def _gates(pdf: _Document, report: StatusReport):
    pdf.heading(_("Phase gates"))
    for panel, label in report.gates:
        if panel.closed:
            state = _("closed")
        elif panel.tasks_done:
            state = _("waiting for sign-off")
        else:
            state = _("open until every task is done")
        told = _("Gate of %(phase)s") % {"phase": panel.phase.name}
        pdf.line_of_text(f"{told}: {label or state}", bold=True)
        for sign_off in panel.sign_offs:
            text = _("Signed off for %(party)s by %(who)s on %(when)s") % {
                "party": sign_off.get_party_display(),
                "who": person(sign_off.signed_by),
                "when": format_datetime(sign_off.signed_at),
            }
            if sign_off.on_behalf:
                text += f" ({_('on behalf of that party')})"
            if sign_off.comment:
                text += f": “{_clean(sign_off.comment)}”"
            pdf.bullet(text, indent=4)


def _due(pdf: _Document, report: StatusReport):
    for title, lists in (
        (_("Overdue"), report.due.overdue),
        (_("Due within 7 days"), report.due.due_soon),
    ):
        pdf.heading(title)
        tasks = [task for party_tasks in lists.values() for task in party_tasks]
        if not tasks:
            pdf.line_of_text(_("None."))
        for task in sorted(tasks, key=lambda task: (task.due_date, task.position)):
            pdf.bullet(f"{format_date(task.due_date)} · {_clean(task.text)} ({waiting_on(task)})")


def _burnup(pdf: _Document, report: StatusReport):
    """Tasks done over time as steps (a day's count holds until the next change), under a
    line at the number of tasks: the dashboard's chart, drawn in PDF lines."""
    if pdf.get_y() > pdf.h - 95:  # the heading, the chart and its caption stay together
        pdf.add_page()
    pdf.heading(_("Burn-up: tasks done over time, against all tasks"))
    points, total = report.burnup, max(report.progress.overall.total, 1)
    left, top, width, height = pdf.l_margin + 12, pdf.get_y() + 3, 160, 55
    bottom = top + height
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x(day):
        return left + width * (day - first).days / span

    def y(value):
        return bottom - height * value / total

    steps = []
    for day, value in points:
        if steps:
            steps.append((x(day), steps[-1][1]))
        steps.append((x(day), y(value)))
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    pdf.line(left, top, left, bottom)
    pdf.line(left, bottom, left + width, bottom)
    pdf.set_dash_pattern(dash=1.2, gap=1)
    pdf.line(left, y(total), left + width, y(total))
    pdf.set_dash_pattern()
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.polyline(steps)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.text(left - 10, y(total) + 1, str(report.progress.overall.total))
    pdf.text(left - 4, bottom + 1, "0")
    pdf.text(left, bottom + 5, format_date(first))
    last_label = format_date(last)
    pdf.text(left + width - pdf.get_string_width(last_label), bottom + 5, last_label)
    done = points[-1][1]
    pdf.set_y(bottom + 8)
    pdf.line_of_text(
        _("%(done)s of %(total)s tasks done (%(percent)s%%)")
        % {
            "done": done,
            "total": report.progress.overall.total,
            "percent": report.progress.overall.percent,
        },
        color=MUTED,
    )


def _commitments(pdf: _Document, report: StatusReport):
    pdf.heading(_("General responsibilities"))
    for party in report.commitments:
        row = party.acknowledgement
        if row and row.acknowledgement:
            ack = row.acknowledgement
            told = ngettext(
                "%(party)s's %(counter)s general responsibility acknowledged by %(who)s on "
                "%(when)s",
                "%(party)s's %(counter)s general responsibilities acknowledged by %(who)s on "
                "%(when)s",
                row.count,
            ) % {
                "party": party.party_label,
                "counter": row.count,
                "who": person(ack.acknowledged_by),
                "when": format_datetime(ack.acknowledged_at),
            }
            if ack.on_behalf:
                told += f" ({_('on behalf of that party')})"
        else:
            count = len(party.tasks)
            told = ngettext(
                "%(party)s: %(counter)s general responsibility not yet acknowledged",
                "%(party)s: %(counter)s general responsibilities not yet acknowledged",
                count,
            ) % {"party": party.party_label, "counter": count}
        pdf.line_of_text(told, bold=True)
        for task in party.tasks:
            owner = f" ({person(task.owner)})" if task.owner_id else ""
            pdf.bullet(f"{_clean(task.text)}{owner}", indent=4)
        pdf.ln(1)


def status_report_pdf(report: StatusReport) -> bytes:
    """The report as PDF bytes, in the active language and time zone."""
    title = _("Status report: %(customer)s") % {"customer": _clean(report.engagement.customer)}
    pdf = _Document(title)
    pdf.set_lang(translation.get_language())
    pdf.add_page()
    _header(pdf, report)
    _facts(pdf, report)
    _progress(pdf, report)
    _gates(pdf, report)
    _due(pdf, report)
    _burnup(pdf, report)
    _commitments(pdf, report)
    return bytes(pdf.output())
