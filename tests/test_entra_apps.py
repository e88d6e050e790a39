"""Entra's app-only side as the stand-in (tests/entra_apps.py) plays it, seen by msal and
requests: admin consent accepted, declined or refused, app tokens and Entra's refusals of them,
and the sandbox `make run` starts."""

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
import requests
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from .graph import IDENTITY, SENSITIVE, contoso_complete, no_intune_licence
from .graph_calls import (
    CALLBACK,
    CLIENT_ID,
    CONTOSO,
    FABRIKAM,
    GRAPH,
    SECRET,
    back,
    consent_page,
    graph,
    msal_app,
    token_for,
)
from .support import free_port


@pytest.fixture
def contoso(entra):
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, [CALLBACK])
    return entra.add_tenant(contoso_complete(CONTOSO))


# Admin consent.


def test_an_admin_consents_and_is_sent_back_with_the_tenant(entra, contoso):
    entra.admin_consent_as(CONTOSO)
    query = back(consent_page(entra))
    assert query == {"admin_consent": "True", "tenant": CONTOSO, "scope": GRAPH, "state": "s-42"}
    consent = entra.consents[CONTOSO, CLIENT_ID]
    assert consent.permissions == tuple(SENSITIVE)


def test_an_admin_who_declines_is_sent_back_with_entras_refusal(entra, contoso):
    entra.refuse_admin_consent()
    query = back(consent_page(entra))
    assert query["error"] == "access_denied" and query["state"] == "s-42"
    assert query["error_description"].startswith("AADSTS65004: ")
    assert "admin_consent" not in query and not entra.consents
    assert token_for(entra).json()["error_codes"] == [700016]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"client_id": "not-registered"}, "AADSTS700016"),
        ({"redirect_uri": "https://x.test/"}, "AADSTS50011"),
    ],
)
def test_an_unknown_app_or_address_gets_an_error_page_not_a_redirect(entra, contoso, changes, code):
    entra.admin_consent_as(CONTOSO)
    page = consent_page(entra, **changes)
    assert page.status_code == 400 and code in page.text and "Location" not in page.headers
    assert not entra.consents


def test_an_admin_of_another_tenant_cannot_consent_for_this_one(entra, contoso):
    entra.add_tenant(no_intune_licence(FABRIKAM))
    entra.admin_consent_as(FABRIKAM)
    page = consent_page(entra, tenant=CONTOSO)
    assert page.status_code == 400 and "AADSTS50020" in page.text and not entra.consents
    assert back(consent_page(entra, tenant=FABRIKAM))["tenant"] == FABRIKAM


# Tokens.


@pytest.mark.parametrize("transport", ["verify", "http_client"])
def test_msal_gets_an_app_token_for_graph_and_keeps_it(entra, contoso, transport):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    session = requests.Session()
    session.verify = entra.ca_path
    app = msal_app(entra, **({"http_client": session} if transport == "http_client" else {}))

    result = app.acquire_token_for_client([GRAPH])

    assert result["token_type"] == "Bearer" and result["expires_in"] == 3599
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com" and claims["tid"] == CONTOSO
    assert claims["iss"] == f"https://sts.windows.net/{CONTOSO}/" and claims["appid"] == CLIENT_ID
    assert claims["roles"] == sorted(SENSITIVE) and claims["exp"] - claims["iat"] == 3599
    assert ("GET", f"/{CONTOSO}/v2.0/.well-known/openid-configuration") in entra.requests
    assert app.acquire_token_for_client([GRAPH])["token_source"] == "cache"
    assert [(r.tenant_id, r.client_id, r.status) for r in entra.token_requests] == [
        (CONTOSO, CLIENT_ID, 200)
    ]
    assert graph(entra, "organization", result["access_token"]).status_code == 200


def certificate_credential(authority: trustme.CA) -> tuple[bytes, dict]:
    """A certificate and msal's credential for it (its key and SHA-1 thumbprint)."""
    leaf = authority.issue_cert("portal.test", key_type=trustme.KeyType.RSA)
    pem = leaf.cert_chain_pems[0].bytes()
    thumbprint = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA1()).hex()
    return pem, {"private_key": leaf.private_key_pem.bytes().decode(), "thumbprint": thumbprint}


def test_msal_gets_an_app_token_with_a_certificate_registered_for_the_app(entra, contoso):
    registered, credential = certificate_credential(trustme.CA())
    _other, foreign = certificate_credential(trustme.CA())
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, [CALLBACK], certificates=[registered])
    entra.grant_consent(CONTOSO, CLIENT_ID)

    result = msal_app(entra, secret=credential).acquire_token_for_client([GRAPH])
    refused = msal_app(entra, secret=foreign).acquire_token_for_client([GRAPH])

    assert graph(entra, "organization", result["access_token"]).status_code == 200
    assert refused["error"] == "invalid_client" and refused["error_codes"] == [700027]


def test_a_token_carries_the_permissions_consented_not_those_added_later(entra, contoso):
    entra.register_app(CLIENT_ID, SECRET, IDENTITY, [CALLBACK])
    entra.grant_consent(CONTOSO, CLIENT_ID)
    entra.register_app(CLIENT_ID, SECRET, SENSITIVE, [CALLBACK])
    token = token_for(entra).json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["roles"] == sorted(IDENTITY)


@pytest.mark.parametrize(
    ("changes", "status", "error", "code"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
        (
            {"scope": "https://graph.microsoft.com/Organization.Read.All"},
            400,
            "invalid_scope",
            1002012,
        ),
        ({"scope": "https://vault.azure.net/.default"}, 400, "invalid_resource", 500011),
    ],
)
def test_a_bad_token_request_is_refused_as_entra_refuses_it(
    entra, contoso, changes, status, error, code
):
    entra.grant_consent(CONTOSO, CLIENT_ID)
    answer = token_for(entra, **changes)
    assert answer.status_code == status
    body = answer.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= body.keys()
    assert entra.token_requests[-1].status == status


def test_a_tenant_without_consent_or_unknown_refuses_the_token(entra, contoso):
    unconsented = token_for(entra)
    assert unconsented.status_code == 400 and unconsented.json()["error"] == "unauthorized_client"
    assert unconsented.json()["error_codes"] == [700016]
    assert token_for(entra, FABRIKAM).json()["error_codes"] == [90002]
    result = msal_app(entra).acquire_token_for_client([GRAPH])
    assert result["error"] == "unauthorized_client" and result["error_codes"] == [700016]


# The sandbox.


def test_the_sandbox_serves_its_tenant_and_consents_for_it(entra, tmp_path):
    """`make run`'s sandbox, as its own process (the entra fixture has cleared the CA bundle
    that requests would otherwise prefer to `verify=`)."""
    port, folder = free_port(), tmp_path / "sandbox"
    command = [sys.executable, "-m", "tests.tenant_sandbox", "--port", str(port)]
    command += ["--folder", str(folder), "--tenant-id", CONTOSO, "--client-id", CLIENT_ID]
    command += ["--client-secret", SECRET, "--redirect-uri", CALLBACK]
    root = Path(__file__).resolve().parents[1]
    sandbox = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ, cwd=root)
    try:
        assert "Sandbox tenant" in sandbox.stdout.readline()  # printed once it listens
        ca = str(folder / "ca.pem")
        base = f"https://127.0.0.1:{port}"
        query = {"client_id": CLIENT_ID, "scope": GRAPH, "redirect_uri": CALLBACK, "state": "s"}
        url = f"{base}/organizations/v2.0/adminconsent"
        answer = requests.get(url, query, verify=ca, allow_redirects=False)
        assert back(answer)["tenant"] == CONTOSO
        form = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
        form.update(client_secret=SECRET, scope=GRAPH)
        token = requests.post(f"{base}/{CONTOSO}/oauth2/v2.0/token", form, verify=ca).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        organization = requests.get(f"{base}/v1.0/organization", headers=headers, verify=ca)
        assert organization.json()["value"][0]["displayName"] == "Contoso sandbox tenant"
        terms = f"{base}/v1.0/deviceManagement/termsAndConditions"
        assert requests.get(terms, headers=headers, verify=ca).json()["value"] == []
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
