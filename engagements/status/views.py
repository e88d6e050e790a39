"""The portfolio: its table, phase matrix and summary charts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.selectors.keyset import PARAMETERS as PAGING_PARAMETERS
from engagements.status.charts import bar_chart
from engagements.status.forms import PortfolioFilterForm
from engagements.status.portfolio import portfolio_page, portfolio_summary
from responsibilities.models import Party, Phase


def portfolio_filters(request):
    """The phases, the filter form, its valid filters, and the query string without the page
    number."""
    phases = list(Phase.objects.order_by("order"))
    form = PortfolioFilterForm(request.GET, phases=phases)
    filters = form.filters()
    query = request.GET.copy()
    for name in PAGING_PARAMETERS:  # a new filter or sort starts from the first row
        query.pop(name, None)
    return phases, form, filters, query


def _without(query, name) -> str:
    query = query.copy()
    query.pop(name, None)
    return query.urlencode()


@login_required
def portfolio(request, view="table"):
    phases, form, filters, query = portfolio_filters(request)
    page = portfolio_page(request.user, filters, request.GET, timezone.now(), phases)
    return render(
        request,
        "engagements/portfolio.html" if view == "table" else "engagements/portfolio_matrix.html",
        {
            "form": form,
            "page": page,
            "sort": filters.get("sort", "customer"),
            "query": query.urlencode(),
            "base_query": _without(query, "sort"),
            "phases": phases,
        },
    )


@login_required
def portfolio_summary_view(request):
    phases, form, filters, query = portfolio_filters(request)
    summary = portfolio_summary(request.user, filters, timezone.now(), phases)
    return render(
        request,
        "engagements/portfolio_summary.html",
        {
            "form": form,
            "query": query.urlencode(),
            "summary": summary,
            "per_phase_chart": bar_chart([(name, n, "phase") for name, n in summary.per_phase]),
            "risk_chart": bar_chart(
                [
                    (_("On track"), summary.on_track, "on-track"),
                    (_("At risk"), summary.at_risk, "at-risk"),
                ]
            ),
            "overdue_chart": bar_chart(
                [
                    (Party(party).label, count, party)
                    for party, count in summary.overdue_by_party.items()
                ]
            ),
        },
    )
