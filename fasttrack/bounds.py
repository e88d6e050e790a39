"""The bounds of what a person may type: a window for dates and times, single-line text free of
control characters, and a length for every free text. Forms, services and model fields use these
same validators, so the admin and any later API refuse what the pages refuse (see README,
"Input limits")."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .formatting import format_date

# Nothing in the programme predates this, and 10 years covers any real plan while keeping every
# date far from the calendar's end (year 9999 overflows once shifted to UTC).
EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 10
CHECKPOINT_MAX_DURATION = datetime.timedelta(hours=24)
SHARE_LINK_MAX_DAYS = 90
# An API token outlives no staff review cycle: a year at most, then it is made again.
ACCESS_TOKEN_MAX_DAYS = 365

# Lengths nobody writing for people reaches; they stop megabyte pastes reaching the audit trail.
TITLE_MAX_LENGTH = 200
LOCATION_MAX_LENGTH = 500
AGENDA_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 500
# A one-off task's words and its evidence hint, typed by a manager (the catalogue's longest
# item is about 400 characters).
TASK_TEXT_MAX_LENGTH = 500
LABEL_MAX_LENGTH = 100
NAME_MAX_LENGTH = 150
SEARCH_MAX_LENGTH = 100
CUSTOMER_MAX_LENGTH = 200
COMMENT_MAX_LENGTH = 2000
# Each part of a checkpoint's brief (summary, decisions, next steps): a page of the report.
BRIEF_MAX_LENGTH = 1500
CAPTION_MAX_LENGTH = 200
URL_MAX_LENGTH = 2000
# A phase's typical length in the catalogue, and how far a plan may reach: a year for one
# phase and five for the whole plan cover any onboarding; more is a typing slip.
PHASE_MAX_DAYS = 365
PLAN_MAX_DAYS = 5 * 365
# Re-plans kept per engagement: enough for a re-plan a week for two years.
PLAN_MAX_VERSIONS = 100
FILE_NAME_MAX_LENGTH = 150
# A webhook's secret: long enough not to be guessed, short enough to type or paste.
WEBHOOK_SECRET_MIN_LENGTH = 16
WEBHOOK_SECRET_MAX_LENGTH = 200
# More seats than any one tenant buys; it keeps a typo's extra digits out of the trail.
LICENCE_MAX_COUNT = 10_000_000

# Bidi embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069) reorder the text
# around them, so a name could display as something it is not.
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
LINE_BREAKS = frozenset("\r\n\t")


def latest_date(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, in a year ten years on that has none
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def _out_of_window() -> ValidationError:
    return ValidationError(
        _("Choose a date from %(earliest)s to %(latest)s."),
        code="date_out_of_range",
        params={"earliest": format_date(EARLIEST_DATE), "latest": format_date(latest_date())},
    )


def validate_date_in_window(value: datetime.date) -> None:
    if not EARLIEST_DATE <= value <= latest_date():
        raise _out_of_window()


def validate_datetime_in_window(value: datetime.datetime) -> None:
    """The same window, from the first moment of its first day to the last of its last day in
    the current time zone. Aware datetimes are compared without converting them, so a value
    near the calendar's end cannot overflow here."""
    zone = timezone.get_current_timezone()
    earliest = datetime.datetime.combine(EARLIEST_DATE, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(latest_date(), datetime.time.max, tzinfo=zone)
    if not earliest <= value <= end:
        raise _out_of_window()


def validate_checkpoint_duration(starts_at: datetime.datetime, ends_at: datetime.datetime):
    """A meeting, not a period: a longer one is a typing slip (a wrong day or month)."""
    if ends_at - starts_at > CHECKPOINT_MAX_DURATION:
        hours = CHECKPOINT_MAX_DURATION // datetime.timedelta(hours=1)
        message = _("A checkpoint can last at most %(hours)d hours.") % {"hours": hours}
        raise ValidationError({"ends_at": message})


def validate_share_link_expiry(expires_on: datetime.date) -> None:
    today = timezone.localdate()
    if not today < expires_on <= today + datetime.timedelta(days=SHARE_LINK_MAX_DAYS):
        raise ValidationError(
            _("Choose an expiry date after today and at most %(days)d days ahead."),
            code="expiry_out_of_range",
            params={"days": SHARE_LINK_MAX_DAYS},
        )


def validate_access_token_expiry(expires_on: datetime.date) -> None:
    today = timezone.localdate()
    if not today < expires_on <= today + datetime.timedelta(days=ACCESS_TOKEN_MAX_DAYS):
        raise ValidationError(
            _("Choose an expiry date after today and at most %(days)d days ahead."),
            code="expiry_out_of_range",
            params={"days": ACCESS_TOKEN_MAX_DAYS},
        )


def validate_single_line(value: str) -> None:
    """A title, place, label or name: no line break or other control character, which would
    break an email header or a CSV row, and no bidi control, which would disguise it."""
    if any(char in BIDI_CONTROLS or unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(
            _("Use a single line without control characters."), code="control_characters"
        )


def validate_multi_line(value: str) -> None:
    """Free text may break lines and use tabs, but no other control or bidi character (NUL,
    for one, is refused by PostgreSQL)."""
    if any(
        char in BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char not in LINE_BREAKS)
        for char in value
    ):
        raise ValidationError(
            _("Remove the control characters from this text."), code="control_characters"
        )


def single_line(max_length: int) -> list:
    return [MaxLengthValidator(max_length), validate_single_line]


def multi_line(max_length: int) -> list:
    return [MaxLengthValidator(max_length), validate_multi_line]


def validate_fields(checks: dict[str, tuple[object, list]]) -> None:
    """For services: run each field's validators on its value and raise one ValidationError
    keyed by field, as a form would."""
    errors: dict[str, list[ValidationError]] = {}
    for name, (value, validators) in checks.items():
        if value is None:
            continue
        for validator in validators:
            try:
                validator(value)
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.error_list)
    if errors:
        raise ValidationError(errors)


# Unicode's control characters (category Cc: C0, DEL and C1) and the bidi controls.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def one_line(value: str) -> str:
    """A stored value made safe for an email subject: control and bidi characters become
    spaces (values stored before these bounds may still hold them). One regular expression,
    not a test per character: the calendar feed calls it for every due date it lists."""
    return _NOT_ONE_LINE.sub(" ", value)


def without_bidi_controls(value: str) -> str:
    """A stored name shown as typed, minus any character that would reorder how it displays."""
    return "".join(char for char in value if char not in BIDI_CONTROLS)


def validate_https_url(value: str) -> None:
    """A link to evidence: https only, so no javascript: or data: link reaches a page and no
    plain-http address leaks who follows it."""
    from django.core.validators import URLValidator

    URLValidator(schemes=["https"], message=_("Enter a link that starts with https://."))(value)


LARGEST_ID = 2**63 - 1


def fits_an_id(value) -> bool:
    """Ids past a 64-bit integer would make the database raise instead of finding nothing."""
    return str(value).isdecimal() and int(value) <= LARGEST_ID


TENANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def validate_tenant_id(value: str) -> None:
    """A Microsoft Entra ID tenant id: a GUID, written in lower case as Entra writes it."""
    if not TENANT_ID.fullmatch(value):
        raise ValidationError(
            _("Enter the tenant id as a GUID, e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47.")
        )
