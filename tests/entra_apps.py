"""What Entra ID does for an app that reads a customer's tenant on its own (app-only): the
tenant's admin consent, the client-credentials token for Microsoft Graph, the token checked
when Graph receives it, and consent taken back. Part of the Entra stand-in (tests/entra.py).

An app registration holds application permissions ("Organization.Read.All", ...). Consent
copies them into the tenant as a service principal of its own (a new object id each time), and
a token carries them as `roles`. Deleting the enterprise app (`revoke_consent`) removes that
service principal: tokens already issued name an object that is gone, and new ones are refused.
"""

import hmac
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt
from cryptography import x509

from .entra_protocol import SHARED_TENANTS, EntraError, as_json, opaque, page, redirect

GRAPH_RESOURCE = "https://graph.microsoft.com"
# The answer Entra gives an app token: an hour, less the second it took.
APP_TOKEN_SECONDS = 3599
REFUSED = "refused"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Consent:
    """An app's service principal in a tenant, made by an administrator's consent."""

    tenant_id: str
    client_id: str
    permissions: tuple[str, ...]
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    granted_at: float = field(default_factory=time.time)


@dataclass
class Recorded:
    """One request the stand-in answered: `path` with its query, the tenant it concerned (None
    when no token said which), the status given, the request's headers and when it came (`at`,
    time.time(), for tests of what waits for what)."""

    method: str
    path: str
    tenant_id: str | None
    status: int
    headers: dict
    client_id: str | None = None
    at: float = field(default_factory=time.time)


class AppOnly:
    """The app-only half of EntraStandIn (a mixin: it shares the stand-in's clients, tenants,
    keys and errors)."""

    def _start_app_only(self):
        self.consents: dict[tuple[str, str], Consent] = {}
        self.graph_tenants = {}
        self.graph_requests: list[Recorded] = []
        self.token_requests: list[Recorded] = []
        self._admin = None  # who answers the next consent page: a tenant id, or REFUSED
        self._throttles: dict[str, list] = {}
        self._retired_keys = []
        self._certificates = {}  # client id: the certificates its registration holds

    @property
    def url(self) -> str:
        return self.base_url

    # What the test sets up and changes.

    def register_app(
        self, client_id: str, secret: str, permissions, redirect_uris, certificates=()
    ):
        """A multi-tenant app registration with read-only application permissions; it proves
        itself with its secret or with a certificate (PEM) among `certificates`."""
        client = self.register_client(client_id, secret, redirect_uris)
        client.permissions = tuple(permissions)
        self._certificates[client_id] = [
            x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
            for pem in certificates
        ]
        return client

    def add_tenant(self, tenant):
        """A customer tenant (a tests.graph.GraphTenant): its directory answers from now on."""
        self.graph_tenants[tenant.tenant_id] = tenant
        self._tenants.add(tenant.tenant_id)
        return tenant

    def admin_consent_as(self, tenant_id: str):
        """The administrator who opens the consent page next is of this tenant, and accepts."""
        self._admin = tenant_id

    def refuse_admin_consent(self):
        """The administrator who opens the consent page next declines."""
        self._admin = REFUSED

    def grant_consent(self, tenant_id: str, client_id: str) -> Consent:
        """Consent as if the page had been visited (for tests that start connected)."""
        client = self._clients[client_id]
        consent = Consent(tenant_id, client_id, client.permissions)
        with self._lock:
            self.consents[tenant_id, client_id] = consent
        return consent

    def revoke_consent(self, tenant_id: str, client_id: str):
        """The enterprise app deleted in the tenant."""
        with self._lock:
            self.consents.pop((tenant_id, client_id), None)

    def throttle(self, tenant_id: str, times: int = 1, retry_after: int = 2, status: int = 429):
        """The tenant's next `times` Graph requests get `status` with Retry-After."""
        with self._lock:
            self._throttles[tenant_id] = [times, retry_after, status]

    def take_throttle(self, tenant_id: str):
        """(retry_after, status) if this request of the tenant is throttled, else None."""
        with self._lock:
            plan = self._throttles.get(tenant_id)
            if not plan or plan[0] <= 0:
                return None
            plan[0] -= 1
            return plan[1], plan[2]

    # The endpoints.

    def adminconsent(self, tenant, query, headers):
        client = self.client(tenant, query)
        redirect_uri = query.get("redirect_uri")
        if redirect_uri not in client.redirect_uris:
            raise EntraError("unregistered_redirect_uri", **query)
        if self._admin is None:
            return page(400, "Stand-in: entra.admin_consent_as(tenant) or refuse first")
        answer = {}
        if self._admin == REFUSED:
            refusal = EntraError("consent_declined")
            answer.update(error=refusal.error, error_subcode="cancel")
            answer["error_description"] = self.incident(refusal, headers)
        elif tenant not in (*SHARED_TENANTS, self._admin):
            # The administrator signed in to their own tenant, not to the one the address names.
            refusal = EntraError("other_tenant", tenant=tenant)
            return page(400, self.incident(refusal, headers))
        elif not query.get("scope", "").endswith("/.default"):
            refusal = EntraError("bad_scope", scope=query.get("scope", ""))
            answer.update(error=refusal.error, error_description=self.incident(refusal, headers))
        else:
            self.grant_consent(self._admin, client.client_id)
            answer.update(admin_consent="True", tenant=self._admin, scope=query["scope"])
        answer["state"] = query.get("state", "")
        separator = "&" if "?" in redirect_uri else "?"
        return redirect(f"{redirect_uri}{separator}{urlencode(answer)}")

    def client_credentials(self, tenant, form, headers):
        record = Recorded("POST", f"/{tenant}/oauth2/v2.0/token", tenant, 200, dict(headers))
        record.client_id = form.get("client_id")
        self.token_requests.append(record)
        try:
            client = self.client(tenant, form)
            consent = self.consents.get((tenant, client.client_id))
            if consent is None:  # no service principal of the app in this tenant
                raise EntraError("unknown_client", tenant=tenant, client_id=client.client_id)
            if "client_assertion" in form:
                self.check_assertion(tenant, client.client_id, form)
            elif not hmac.compare_digest(form.get("client_secret", ""), client.secret):
                raise EntraError("wrong_secret", **form)
            scopes = form.get("scope", "").split()
            if len(scopes) != 1 or not scopes[0].endswith("/.default"):
                raise EntraError("bad_scope", scope=form.get("scope", ""))
            if scopes[0].removesuffix("/.default").rstrip("/") != GRAPH_RESOURCE:
                raise EntraError("unknown_resource", resource=scopes[0], tenant=tenant)
        except EntraError as refusal:
            record.status = refusal.status
            raise
        answer = {"token_type": "Bearer", "expires_in": APP_TOKEN_SECONDS}
        answer.update(ext_expires_in=APP_TOKEN_SECONDS, access_token=self.access_token(consent))
        return as_json(200, answer)

    def check_assertion(self, tenant: str, client_id: str, form: dict):
        """A certificate credential: a JWT for this token endpoint, issued by and about the app,
        signed by the key of a certificate its registration holds."""
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise EntraError("bad_assertion", client_id=client_id)
        audience = f"{self.base_url}/{tenant}/oauth2/v2.0/token"
        for certificate in self._certificates.get(client_id, []):
            try:
                claims = jwt.decode(
                    form["client_assertion"],
                    certificate.public_key(),
                    algorithms=["RS256", "PS256"],
                    audience=audience,
                    options={"require": ["exp", "iss", "sub", "aud"]},
                )
            except jwt.InvalidTokenError:
                continue
            if claims["iss"] == claims["sub"] == client_id:
                return
        raise EntraError("bad_assertion", client_id=client_id)

    def access_token(self, consent: Consent) -> str:
        """An app token for Graph, shaped as Entra's v1.0 access tokens are."""
        now, tid = int(time.time()), consent.tenant_id
        issuer = f"https://sts.windows.net/{tid}/"
        claims = {"aud": GRAPH_RESOURCE, "iss": issuer, "iat": now, "nbf": now}
        claims.update(exp=now + APP_TOKEN_SECONDS, aio=opaque(90), app_displayname="Portal")
        claims.update(appid=consent.client_id, appidacr="1", idp=issuer, idtyp="app")
        claims.update(oid=consent.object_id, rh=f"1.A{opaque(60)}.", sub=consent.object_id)
        claims.update(roles=sorted(consent.permissions), tid=tid, uti=opaque(16), ver="1.0")
        claims.update(xms_tcdt=int(consent.granted_at))
        header = {"kid": self._key.kid, "x5t": self._key.kid}
        return jwt.encode(claims, self._key.private_key, algorithm="RS256", headers=header)

    def token_claims(self, token: str) -> dict:
        """The claims of a token this stand-in issued and that Graph would still take; raises
        jwt.InvalidTokenError (with Graph's reason) otherwise."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as error:
            raise jwt.InvalidTokenError("IDX14100: JWT is not well formed.") from error
        # Graph knows every key Entra signed with, not only the one published now.
        key = next((key for key in [self._key, *self._retired_keys] if key.kid == kid), None)
        if key is None:
            raise jwt.InvalidTokenError("Access token validation failure.")
        public = key.private_key.public_key()
        try:
            claims = jwt.decode(token, public, algorithms=["RS256"], audience=GRAPH_RESOURCE)
        except jwt.ExpiredSignatureError as error:
            raise jwt.InvalidTokenError("Lifetime validation failed, the token is expired.") from (
                error
            )
        except jwt.InvalidAudienceError as error:
            raise jwt.InvalidTokenError("Access token validation failure. Invalid audience.") from (
                error
            )
        consent = self.consents.get((claims.get("tid"), claims.get("appid")))
        if consent is None or consent.object_id != claims.get("oid"):
            raise jwt.InvalidTokenError("Access token validation failure.")
        return claims
