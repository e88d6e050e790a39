"""A status report as an A4 tagged PDF (PDF/UA-1): a Django template rendered by WeasyPrint.

The template's headings, lists and tables become the PDF's structure tree, so a screen reader
can move by heading and read each cell with its column and row; the burn-up chart is a figure
whose alternate text tells its figures.

Everything is written in the active language and time zone: call `status_report_pdf` inside
the reader's (a page request already is; an email is composed inside its recipient's). The
template's autoescaping keeps markup in stored texts as text, and the whole page goes through
one_line: a bidi control cannot rearrange the report, and a control character stored before
input bounds refused it cannot garble the text map of the font that draws it.
"""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from engagements.status.charts import burnup_chart, burnup_plan
from engagements.status.timeline import timeline_summary
from fasttrack.bounds import one_line
from reports.content import StatusReport

FONTS = Path(__file__).parent / "fonts"


def _css_string(text: str) -> str:
    """`text` as a CSS string, every character but letters and digits escaped, so nothing in it
    (a quote, "</style>") can end the string or the style sheet. Spaces too, as CSS takes a
    space after an escape as its end; six digits, so a letter after one is not read into it."""
    return '"' + "".join(c if c.isalnum() else f"\\{ord(c):06x}" for c in text) + '"'


def _footer(title: str) -> str:
    """The footer's CSS content: the title and "Page n of N" in the reader's language, the
    numbers being the page counters WeasyPrint fills in."""
    text = f"{title} · " + _("Page %(page)s of %(pages)s") % {"page": "\0", "pages": "\1"}
    before, rest = text.split("\0")
    between, after = rest.split("\1")
    return " ".join(
        (_css_string(before), "counter(page)", _css_string(between), "counter(pages)")
        + ((_css_string(after),) if after else ())
    )


def status_report_pdf(report: StatusReport) -> bytes:
    """The report as PDF bytes, in the active language and time zone."""
    # Imported here: WeasyPrint loads the system's Pango as it is imported, and a machine
    # without Pango still serves every page but the report (README, "Two commands").
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    title = _("Status report: %(customer)s") % {"customer": one_line(report.engagement.customer)}
    due = [
        (
            heading,
            sorted(
                (task for party_tasks in lists.values() for task in party_tasks),
                key=lambda task: (task.due_date, task.position),
            ),
        )
        for heading, lists in (
            (_("Overdue"), report.due.overdue),
            (_("Due within 7 days"), report.due.due_soon),
        )
    ]
    html = one_line(
        render_to_string(
            "reports/status_report.html",
            {
                "report": report,
                "title": title,
                "footer": _footer(title),
                "due": due,
                "chart": burnup_chart(
                    report.burnup,
                    report.progress.overall.total,
                    **burnup_plan(report.timeline.plan, report.progress),
                ),
                "timeline_summary": timeline_summary(report.timeline),
                "fonts": FONTS.as_uri(),
            },
        )
    )
    # The font configuration is what lets WeasyPrint load the vendored @font-face files.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", font_config=FontConfiguration())
