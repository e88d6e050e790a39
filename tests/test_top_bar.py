"""The top bar offers what a person can use: the portfolio to those with one to read, and one
Integrations place for API tokens and webhooks."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from engagements.models import Membership, Role
from responsibilities.models import Party

from .factories import make_user


def top_bar(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    return page[page.index('<nav aria-label="') : page.index("</nav>")]


def test_a_customer_with_one_engagement_sees_no_portfolio(client, vera, carla, engagement):
    assert reverse("portfolio") not in top_bar(client, vera)  # a viewer
    assert reverse("portfolio") not in top_bar(client, carla)  # a customer manager


def test_microsoft_s_managers_and_staff_see_the_portfolio(client, miguel, ada, engagement):
    assert reverse("portfolio") in top_bar(client, miguel)
    assert reverse("portfolio") in top_bar(client, ada)


def test_someone_in_more_than_one_engagement_sees_the_portfolio(
    client, vera, engagement, other_engagement
):
    Membership.objects.create(
        engagement=other_engagement, user=vera, party=Party.CUSTOMER, role=Role.VIEWER
    )
    assert reverse("portfolio") in top_bar(client, vera)


def test_a_microsoft_viewer_of_one_engagement_sees_no_portfolio(client, engagement):
    engineer = make_user("elisa")
    Membership.objects.create(
        engagement=engagement, user=engineer, party=Party.MICROSOFT, role=Role.VIEWER
    )
    assert reverse("portfolio") not in top_bar(client, engineer)


def test_a_fasttrack_lead_sees_the_portfolio(client, catalogue):
    lead = make_user("lia")
    lead.user_permissions.add(Permission.objects.get(codename="view_all_engagements"))
    assert reverse("portfolio") in top_bar(client, lead)


@pytest.mark.parametrize("persona", ["vera", "carla"])
def test_integrations_is_one_place_for_tokens_and_webhooks(client, engagement, persona, request):
    user = request.getfixturevalue(persona)
    assert reverse("integrations") in top_bar(client, user)
    nav = client.get(reverse("engagement-detail", args=[engagement.pk])).content.decode()
    assert "/webhooks/" not in nav
    page = client.get(reverse("integrations")).content.decode()
    assert 'id="access-tokens"' in page
    # Webhooks only for those who may register them: managers and staff, not a viewer.
    assert ('id="webhooks"' in page) is (persona == "carla")


def test_the_old_webhooks_address_leads_to_integrations(client, carla, engagement):
    client.force_login(carla)
    response = client.get(reverse("webhooks"), {"engagement": engagement.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/integrations/?engagement={engagement.pk}#webhooks"
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{engagement.pk}" selected>' in page
