"""The calendar feed writes its iCalendar lines itself (engagements/meetings/feed_ical.py): the
icalendar library must read back every value as written, whatever the text holds, and no line
may pass 75 octets (RFC 5545 3.1)."""

import datetime

import icalendar
import pytest

from engagements.meetings.feed_ical import component, day, text, utc

AWKWARD = [
    "Revisão; fase 2, \\ tarefa",
    "Linha um\nlinha dois\r\nlinha três",
    "Configuração do Intune " * 12,
    "ç" * 100,
    "Reunião 🚀 " * 20,
    # "SUMMARY:" and 66 letters fill 74 octets: the é's two octets would end past the 75th.
    "a" * 66 + "é" + "b" * 80,
]


@pytest.mark.parametrize("summary", AWKWARD)
def test_a_text_reads_back_as_written_and_no_line_passes_75_octets(summary):
    start = datetime.datetime(
        2028, 2, 29, 23, 30, tzinfo=datetime.timezone(-datetime.timedelta(hours=3))
    )
    written = (
        component("VCALENDAR", [("VERSION", "2.0"), ("PRODID", "-//test//EN")], end=False)
        + component(
            "VEVENT",
            [
                ("UID", "checkpoint-1@example.com"),
                ("DTSTAMP", utc(start)),
                ("DTSTART", utc(start)),
                ("SUMMARY", text(summary)),
            ],
        )
        + b"END:VCALENDAR\r\n"
    )
    lines = written.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    if len(summary.encode()) > 75:
        # Folded as late as the characters allow: a line holds 74 or 75 octets.
        assert max(len(line) for line in lines) >= 74
    event = icalendar.Calendar.from_ical(written).walk("VEVENT")[0]
    assert str(event["summary"]) == summary.replace("\r\n", "\n")
    # 23:30 at UTC-3 on 29 February is 02:30 UTC on 1 March.
    assert event.decoded("dtstart") == datetime.datetime(2028, 3, 1, 2, 30, tzinfo=datetime.UTC)


def test_an_all_day_date_is_a_date_value():
    written = (
        component("VCALENDAR", [("VERSION", "2.0"), ("PRODID", "-//test//EN")], end=False)
        + component(
            "VEVENT",
            [
                ("UID", "due-1@example.com"),
                ("DTSTART;VALUE=DATE", day(datetime.date(2027, 12, 31))),
            ],
        )
        + b"END:VCALENDAR\r\n"
    )
    event = icalendar.Calendar.from_ical(written).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime.date(2027, 12, 31)


def test_a_text_escapes_what_rfc_5545_says():
    assert text("a;b,c\\d\ne\r\nf") == "a\\;b\\,c\\\\d\\ne\\nf"
    # A lone CR is a line break too; other control characters but the tab become spaces.
    assert text("g\rh\x00i\x1bj\x7fk\tl") == "g\\nh i j k\tl"
