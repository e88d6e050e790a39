"""Reading a customer's tenant through Microsoft Graph v1.0: an app-only token per tenant
(msal, client credentials, the tier's app registration), GETs that follow `@odata.nextLink`,
and Graph's answers sorted into what the portal does with them. Never sleeps: a throttled
read raises `Throttled`, and the Celery task asks to be run again after `Retry-After`.
"""

import email.utils
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.conf import settings

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
# A collection longer than this many pages is cut short (and said to be): the checks count
# kinds of things, and Graph's pages hold 100 or more items each.
MAX_PAGES = 20
TIMEOUT_SECONDS = 20
# The token service's answers that mean the tenant no longer has the app (consent revoked,
# enterprise app deleted or disabled), as AADSTS codes.
NO_CONSENT_CODES = {65001, 500011, 700016, 7000112, 7000229}


class TenantUnreachable(Exception):
    """Graph or the token service did not answer usefully this time; trying later may work."""


class Throttled(TenantUnreachable):
    def __init__(self, retry_after: int | None):
        super().__init__(f"Graph asked to wait {retry_after} s" if retry_after else "throttled")
        self.retry_after = retry_after


class ConsentMissing(Exception):
    """The tenant no longer lets the app read it: the message says what the tenant said."""


class NotConfigured(Exception):
    """The portal's own app registration is missing or refused (a secret expired)."""


@dataclass
class Answer:
    status: int
    body: dict | str | None
    request_ids: list[str] = field(default_factory=list)
    error_code: str = ""
    truncated: bool = False

    @property
    def items(self) -> list[dict]:
        return (
            self.body.get("value", []) if self.status == 200 and isinstance(self.body, dict) else []
        )


def _certificate_credential(path: str) -> dict:
    """msal's credential from a PEM file holding the key and its certificate, named by the
    certificate's SHA-1 thumbprint as Entra names uploaded certificates."""
    pem = Path(path).read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    return {"private_key": pem.decode(), "thumbprint": certificate.fingerprint(hashes.SHA1()).hex()}


@functools.lru_cache(maxsize=512)
def _application(
    client_id: str, secret: str, certificate: str, tenant_id: str, host: str, ca_file: str
) -> msal.ConfidentialClientApplication:
    on_microsoft = host == "https://login.microsoftonline.com"
    # One application per tenant, kept per process: msal keeps its app token (about an hour)
    # inside it, so a tenant costs one token request an hour per worker.
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=_certificate_credential(certificate) if certificate else secret,
        authority=f"{host}/{tenant_id}",
        instance_discovery=on_microsoft,
        validate_authority=on_microsoft,
        verify=ca_file or True,
        timeout=TIMEOUT_SECONDS,
    )


def access_token(tier: str, tenant_id: str) -> str:
    app = settings.TENANT_APPS.get(tier) or {}
    if not app.get("client_id"):
        raise NotConfigured(f"No app registration is set for the {tier} tier.")
    application = _application(
        app["client_id"],
        app.get("secret", ""),
        app.get("certificate", ""),
        tenant_id,
        settings.ENTRA_AUTHORITY_HOST,
        settings.ENTRA_CA_FILE,
    )
    try:
        result = application.acquire_token_for_client(scopes=GRAPH_SCOPES)
    except (requests.RequestException, ValueError) as error:
        raise TenantUnreachable(f"The token service did not answer: {error}") from None
    if "access_token" in result:
        return result["access_token"]
    codes = set(result.get("error_codes") or [])
    described = f"{result.get('error')}: {result.get('error_description', '')}".strip()
    if codes & NO_CONSENT_CODES or result.get("error") == "unauthorized_client":
        raise ConsentMissing(described[:500])
    if result.get("error") == "invalid_client":
        raise NotConfigured(described[:500])
    raise TenantUnreachable(described[:500])


@functools.cache
def _session(ca_file: str) -> requests.Session:
    session = requests.Session()
    session.verify = ca_file or True
    return session


def retry_after_seconds(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return int(value)
    if value:
        moment = email.utils.parsedate_to_datetime(value)
        return max(0, int(moment.timestamp() - time.time()))
    return None


def _get(token: str, url: str, eventual: bool) -> tuple[requests.Response, dict | str | None]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if eventual:
        headers["ConsistencyLevel"] = "eventual"
    try:
        response = _session(settings.ENTRA_CA_FILE).get(
            url, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise TenantUnreachable(f"Graph did not answer: {error}") from None
    if response.status_code in (429, 503, 504):
        raise Throttled(retry_after_seconds(response))
    if response.status_code >= 500:
        raise TenantUnreachable(f"Graph answered {response.status_code}")
    if "json" in response.headers.get("Content-Type", ""):
        return response, response.json()
    return response, response.text


def _error_code(body) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


def graph_read(token: str, path: str, *, eventual: bool = False) -> Answer:
    """One GET, with every page of a collection; 401, and 403 Authorization_RequestDenied,
    mean the consent is gone. Other 4xx answers are returned for the check to judge (a 404
    branding is "not set", a 403 from Intune "no Intune licence")."""
    url = f"{settings.GRAPH_API_BASE}{path}"
    response, body = _get(token, url, eventual)
    answer = Answer(
        status=response.status_code,
        body=body,
        request_ids=[response.headers.get("request-id", "")],
        error_code=_error_code(body),
    )
    if answer.status == 401 or (
        answer.status == 403 and answer.error_code == "Authorization_RequestDenied"
    ):
        raise ConsentMissing(f"Graph answered {answer.status} {answer.error_code}".strip())
    pages = 1
    while answer.status == 200 and isinstance(body, dict) and body.get("@odata.nextLink"):
        if pages == MAX_PAGES:
            answer.truncated = True
            break
        # The next link is absolute and carries the query: followed as it is.
        response, body = _get(token, body["@odata.nextLink"], eventual)
        if response.status_code != 200:
            raise TenantUnreachable(f"Graph answered {response.status_code} on page {pages + 1}")
        answer.body["value"].extend(body.get("value", []))
        answer.request_ids.append(response.headers.get("request-id", ""))
        pages += 1
    if isinstance(answer.body, dict):
        answer.body.pop("@odata.nextLink", None)
    return answer
