"""Calls to the Entra and Graph stand-in as the portal makes them, for its tests: msal for one
tenant, a client-credentials token, a Graph read, the admin-consent page and where it sends back."""

from urllib.parse import parse_qsl, urlsplit

import msal
import requests

CONTOSO = "4f1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
FABRIKAM = "9a8b7c6d-5e4f-4321-8fed-cba987654321"
CLIENT_ID, SECRET = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "app~secret.of.the.portal"
CALLBACK = "https://portal.test/tenants/consent/callback"
GRAPH = "https://graph.microsoft.com/.default"


def msal_app(entra, tenant_id=CONTOSO, secret=SECRET, **transport):
    """msal as the portal configures it for one tenant, against the stand-in."""
    return msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=secret,
        authority=f"{entra.url}/{tenant_id}",
        instance_discovery=False,
        validate_authority=False,
        **(transport or {"verify": entra.ca_path}),
    )


def token_for(entra, tenant_id=CONTOSO, **changes):
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    form["scope"] = GRAPH
    form.update(changes)
    url = f"{entra.url}/{tenant_id}/oauth2/v2.0/token"
    return requests.post(url, form, verify=entra.ca_path)


def graph(entra, path, token=None, **headers):
    if token is None:
        token = token_for(entra).json()["access_token"]
    headers["Authorization"] = f"Bearer {token}"
    return requests.get(f"{entra.url}/v1.0/{path}", headers=headers, verify=entra.ca_path)


def consent_page(entra, tenant="organizations", **changes):
    query = {"client_id": CLIENT_ID, "scope": GRAPH, "redirect_uri": CALLBACK, "state": "s-42"}
    url = f"{entra.url}/{tenant}/v2.0/adminconsent"
    return requests.get(url, {**query, **changes}, verify=entra.ca_path, allow_redirects=False)


def back(answer) -> dict:
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return dict(parse_qsl(location.query))
