"""Swagger UI and Redoc from the portal's own static files, under its Content-Security-Policy,
and JSON for an address the API does not have."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from ..test_browser import csp_errors


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
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


def test_an_address_the_api_does_not_have_is_a_json_404(client):
    response = client.post("/api/v1/nothing/here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "The API has nothing at this address."}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_shows_the_operations_without_a_policy_violation(live_server, page):
    violations = csp_errors(page)
    page.goto(f"{live_server.url}{reverse('api-docs')}")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == 13
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_redoc_shows_the_operations_without_a_policy_violation(live_server, page):
    violations = csp_errors(page)
    page.goto(f"{live_server.url}{reverse('api-redoc')}")
    page.get_by_text("FastTrack Portal API").first.wait_for()
    page.locator("[data-section-id^='tag/']").first.wait_for()
    # Redoc's sidebar shows its maker's logo from their CDN, written into its code: the policy
    # stops it, so the page asks nothing of any other site (and the logo hides itself).
    assert [v for v in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v] == []
