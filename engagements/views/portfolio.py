"""The portfolio: its table, phase matrix and summary charts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from responsibilities.models import Party

from ..charts import bar_chart
from ..forms import PortfolioFilterForm
from ..selectors.portfolio import portfolio_page, portfolio_rows, portfolio_summary


def portfolio_filters(request):
    """The filter form, its valid filters, and the query string without the page number."""
    form = PortfolioFilterForm(request.GET)
    filters = form.filters()
    query = request.GET.copy()
    query.pop("page", None)
    return form, filters, query


def _without(query, name) -> str:
    query = query.copy()
    query.pop(name, None)
    return query.urlencode()


@login_required
def portfolio(request, view="table"):
    form, filters, query = portfolio_filters(request)
    page = portfolio_page(request.user, filters, request.GET.get("page"), timezone.now())
    return render(
        request,
        "engagements/portfolio.html" if view == "table" else "engagements/portfolio_matrix.html",
        {
            "form": form,
            "page": page,
            "sort": filters.get("sort", "customer"),
            "query": query.urlencode(),
            "base_query": _without(query, "sort"),
            "phases": page.object_list[0].status.phases if page.object_list else [],
        },
    )


@login_required
def portfolio_summary_view(request):
    form, filters, query = portfolio_filters(request)
    summary = portfolio_summary(portfolio_rows(request.user, filters, timezone.now()))
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
