"""One date style per language, the same on pages, emails and exports."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from fasttrack.formatting import format_date, format_datetime, iso_timestamp, zone_name

from .factories import read_csv

MOMENT = datetime.datetime(2026, 11, 26, 10, 39, 5, 123456, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "language, expected_datetime, expected_date",
    [("pt-br", "26/11/2026 07:39", "26/11/2026"), ("en", "26 Nov 2026, 07:39", "26 Nov 2026")],
)
def test_each_language_has_one_style_in_code_and_templates(
    language, expected_datetime, expected_date
):
    template = Template('{{ at|date:"SHORT_DATETIME_FORMAT" }}|{{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language), timezone.override("America/Sao_Paulo"):
        assert format_datetime(MOMENT) == expected_datetime
        assert format_date(MOMENT.date()) == expected_date
        rendered = template.render(Context({"at": MOMENT, "day": MOMENT.date()}))
    assert rendered == f"{expected_datetime}|{expected_date}"


def test_files_for_programs_get_iso_8601_to_the_second():
    with timezone.override("America/Sao_Paulo"):
        assert iso_timestamp(MOMENT) == "2026-11-26T07:39:05-03:00"
    assert iso_timestamp(None) == ""


def test_the_portfolio_csv_writes_times_without_microseconds(client, carla, engagement):
    client.force_login(carla)
    response = client.get(reverse("portfolio-csv"))
    rows = read_csv(response)
    last_activity = rows[1][9]
    assert datetime.datetime.fromisoformat(last_activity).microsecond == 0
    assert "." not in last_activity


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        (
            "America/Sao_Paulo",
            {"pt-br": "Horário Padrão de Brasília", "en": "Brasilia Standard Time"},
        ),
        (
            "Europe/Lisbon",
            {"pt-br": "Horário de Verão da Europa Ocidental", "en": "Western European Summer Time"},
        ),
        (
            datetime.timezone(-datetime.timedelta(hours=3)),
            {"pt-br": "GMT-03:00", "en": "GMT-03:00"},
        ),
    ],
)
@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_a_zone_at_a_moment_is_named_as_it_was_then(zone, words, language):
    # 1 July: summer in Lisbon, winter (no summer time since 2019) in São Paulo.
    moment = datetime.datetime(2026, 7, 1, 12, tzinfo=datetime.UTC)
    with translation.override(language):
        assert zone_name(zone, moment) == words[language]
