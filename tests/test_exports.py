"""Downloads people open in a spreadsheet: a CSV that Excel reads in the reader's language,
and the portfolio as an .xlsx workbook with real numbers and dates."""

import codecs
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Profile
from engagements.meetings.services import checkpoint_schedule
from engagements.models import Engagement
from fasttrack.formatting import spreadsheet_datetime_format
from responsibilities.models import Phase

from .factories import at

CLOCK_START = "2026-11-02 12:00"


def download(client, name, *args, **query) -> bytes:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "language, first_line",
    [
        ("pt-br", "Cliente;Serviços;Fase atual"),
        ("en", "Customer,Services,Current phase"),
    ],
)
def test_the_portfolio_csv_opens_in_excel_in_the_reader_s_language(
    clock, client, carla, engagement, language, first_line
):
    """Excel in pt-BR splits on `;` (its decimal separator is the comma) and reads UTF-8 only
    after a byte order mark; in English it splits on `,`."""
    Profile.objects.create(user=carla, language=language)
    client.force_login(carla)
    data = download(client, "portfolio-csv")
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.startswith(first_line)
    assert text.count(codecs.BOM_UTF8.decode()) == 0


def test_the_audit_csv_takes_the_reader_s_separator_too(clock, client, carla, engagement):
    client.force_login(carla)
    data = download(client, "engagement-audit-csv", engagement.pk)
    assert data.startswith(codecs.BOM_UTF8 + b"sequence;at;actor;party")


@pytest.mark.parametrize(
    "language, header, date_format",
    [
        ("pt-br", "Próximo ponto de verificação", "dd/mm/yyyy hh:mm"),
        ("en", "Next checkpoint", "d mmm yyyy, hh:mm"),
    ],
)
def test_the_portfolio_xlsx_holds_numbers_and_local_times(
    clock, client, carla, miguel, engagement, language, header, date_format
):
    Profile.objects.create(user=carla, language=language, time_zone="Europe/Lisbon")
    checkpoint_schedule(
        engagement=engagement,
        user=carla,
        phase=Phase.objects.get(code="avaliar"),
        kind="checkpoint_call",
        title="Status",
        starts_at=at("2026-11-10 10:00"),
        ends_at=at("2026-11-10 11:00"),
        attendees=[carla, miguel],
    )
    Engagement.objects.filter(pk=engagement.pk).update(customer="=1+1")
    client.force_login(carla)
    response = client.get(reverse("portfolio-xlsx"))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="portfolio.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    record = dict(zip(rows[0], rows[1], strict=True))
    # Text stays text, even when it looks like a formula.
    assert record[rows[0][0]] == "=1+1"
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert isinstance(record[rows[0][4]], int)
    # 10:00 in São Paulo is 13:00 in Lisbon: the reader's zone, without an offset Excel lacks.
    assert record[header].isoformat() == "2026-11-10T13:00:00"
    column = rows[0].index(header) + 1
    assert sheet.cell(row=2, column=column).number_format == date_format


def test_the_portfolio_page_offers_both_downloads(clock, client, carla, engagement):
    client.force_login(carla)
    html = client.get(reverse("portfolio")).content.decode()
    assert reverse("portfolio-csv") in html and reverse("portfolio-xlsx") in html


def test_outsiders_get_only_their_own_portfolio_in_the_xlsx(
    clock, client, otto, engagement, other_engagement
):
    client.force_login(otto)
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, "portfolio-xlsx"))).active
    customers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert customers == ["Northwind"]


def test_the_xlsx_needs_a_sign_in(client, engagement):
    response = client.get(reverse("portfolio-xlsx"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_spreadsheet_made_with_no_language_active_takes_the_portal_s_style():
    """A Celery task runs with no language active; it still writes dates one way."""
    with translation.override(None):
        assert spreadsheet_datetime_format() == "dd/mm/yyyy hh:mm"
