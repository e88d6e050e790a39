"""Redoc (the docs page) and Swagger UI from the portal's own static files, under its
Content-Security-Policy, and JSON for an address the API does not have."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from ..test_browser import csp_errors, serious_violations


@pytest.mark.parametrize("name", ["api-docs", "api-swagger"])
def test_the_docs_load_every_script_from_the_portal_and_none_inline(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/' in attributes for attributes in scripts)
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts
    assert "<style" not in html and "style=" not in html
    for src in re.findall(r'src="([^"]+)"', html):
        if src.startswith(settings.STATIC_URL):
            assert finders.find(src.removeprefix(settings.STATIC_URL)), src
        else:  # Swagger UI's start-up script, served by the docs view itself
            assert client.get(src)["Content-Type"] == "application/javascript"


def test_the_docs_page_is_redoc_and_swagger_ui_has_an_address_of_its_own(client):
    """Redoc passes axe; Swagger UI does not (contrast, controls nested in controls)."""
    assert "<redoc " in client.get(reverse("api-docs")).content.decode()
    assert 'id="swagger-ui"' in client.get(reverse("api-swagger")).content.decode()
    # Redoc's earlier address still finds it.
    assert client.get("/api/v1/redoc/").headers["Location"] == reverse("api-docs")


def test_an_address_the_api_does_not_have_is_a_json_404(client):
    response = client.post("/api/v1/nothing/here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "The API has nothing at this address."}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_shows_the_operations_without_a_policy_violation(live_server, page):
    violations = csp_errors(page)
    page.goto(f"{live_server.url}{reverse('api-swagger')}")
    page.locator(".opblock").first.wait_for()
    # Every operation of the API: its reads, the checkpoint writes, the tenant's two reads, the
    # plan's two reads and its re-plan.
    assert page.locator(".opblock").count() == 18
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_redoc_shows_the_operations_without_a_policy_violation(live_server, page):
    violations = csp_errors(page)
    page.goto(f"{live_server.url}{reverse('api-docs')}")
    page.get_by_text("FastTrack Portal API").first.wait_for()
    page.locator("[data-section-id^='tag/']").first.wait_for()
    # Redoc's sidebar shows its maker's logo from their CDN, written into its code: the policy
    # stops it, so the page asks nothing of any other site (and the logo hides itself).
    assert [v for v in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_has_no_serious_accessibility_violation(
    live_server, browser, browser_context_args
):
    # Only the injected axe script needs the policy lifted; the page is the real one.
    context = browser.new_context(**browser_context_args, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('api-docs')}")
    page.get_by_text("FastTrack Portal API").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
