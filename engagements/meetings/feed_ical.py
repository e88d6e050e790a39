"""The calendar feed's events written as iCalendar (RFC 5545) content lines directly.

A feed lists hundreds of events on every fetch, and the icalendar library's objects cost
about a millisecond each to build and serialise (most of a feed's time), so the feed writes
its few properties itself: TEXT values escaped (RFC 5545 3.3.11), times in UTC, all-day dates
as DATE values, and lines folded at 75 octets without splitting a character (3.1). A
checkpoint's invitation (engagements/meetings/calendar.py) is one event, with its organizer
and attendees, and stays with the library.
"""

import datetime
from collections.abc import Iterable

LINE_OCTETS = 75


# RFC 5545 3.3.11 allows no control character in a TEXT value but the tab and the escaped line
# break: any other one becomes a space rather than joining the words beside it.
_CONTROLS = {code: " " for code in [*range(0x20), 0x7F] if code not in (0x09, 0x0A)}


def text(value: str) -> str:
    """A TEXT value: each line break (LF, CR LF or a lone CR) becomes \\n, ; , and \\ are
    escaped, other control characters become spaces. Backslash first, so the others' escapes
    are not escaped again."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
    return lines.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def day(date: datetime.date) -> str:
    return date.strftime("%Y%m%d")


def _folded(line: bytes) -> bytes:
    """The line in pieces of at most 75 octets, each after the first behind a space."""
    if len(line) <= LINE_OCTETS:
        return line
    pieces, start, room = [], 0, LINE_OCTETS
    while start < len(line):
        end = min(start + room, len(line))
        # An octet 10xxxxxx continues a UTF-8 character: cut before the character instead.
        while end < len(line) and line[end] & 0xC0 == 0x80:
            end -= 1
        pieces.append(line[start:end])
        start, room = end, LINE_OCTETS - 1
    return b"\r\n ".join(pieces)


def component(name: str, properties: Iterable[tuple[str, str]], *, end: bool = True) -> bytes:
    """A component (VEVENT, or the VCALENDAR's head when not `end`) of (name, value)
    properties whose values are already in iCalendar form, each line ended by CR LF."""
    lines = [f"BEGIN:{name}".encode()]
    lines += [_folded(f"{key}:{value}".encode()) for key, value in properties]
    if end:
        lines.append(f"END:{name}".encode())
    return b"\r\n".join(lines) + b"\r\n"
