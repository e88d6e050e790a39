"""A stand-in for Microsoft Entra ID's endpoints (v2.0), for the tests.

It speaks HTTPS on a free loopback port and signs RS256 tokens. Its discovery document, token
answers, error bodies and token claims have the shapes Entra publishes; the values are its own.
There is no sign-in page: whoever the test signed in (`sign_in_as`) is signed in, and a fault
the test asks for (`tamper_next_id_token`) goes into the next id token only. Apps that read a
tenant on their own (admin consent, client credentials) are tests/entra_apps.py; the same server
answers as Microsoft Graph v1.0 under /v1.0/ (tests/graph.py).
"""

import datetime
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import trustme

from .entra_apps import AppOnly
from .entra_protocol import (
    SHARED_TENANTS,
    Client,
    EntraError,
    SigningKey,
    as_json,
    b64url,
    form_post,
    opaque,
    page,
    redirect,
)
from .graph import GraphApi
from .support import HttpsServer

# Entra's authorization codes last about ten minutes; its id tokens an hour.
CODE_LIFETIME = 600
TOKEN_LIFETIME = 3600
ROUTES = {
    ("GET", "v2.0/.well-known/openid-configuration"): "configuration",
    ("GET", "oauth2/v2.0/authorize"): "authorize",
    ("POST", "oauth2/v2.0/token"): "token",
    ("GET", "discovery/v2.0/keys"): "keys",
    ("GET", "oauth2/v2.0/logout"): "logout",
    ("GET", "v2.0/adminconsent"): "adminconsent",
}


@dataclass(eq=False)
class User:
    tenant_id: str
    object_id: str
    email: str | None
    name: str
    username: str
    enabled: bool = True


class EntraStandIn(AppOnly):
    """One per test (the `entra` fixture): `base_url` (or `url`), `ca_path` (its CA, a PEM file in
    `folder`), `requests` (each (method, path) served) and `signed_in`; the test's controls below
    and in AppOnly. It listens on a free port unless `port` says which. With `keep_alive` it
    answers in HTTP/1.1 and keeps each connection open, as Entra and Graph do (a benchmark's
    clients then pay one TLS handshake per connection, not per request)."""

    def __init__(self, folder, port=0, keep_alive=False):
        self._authority = trustme.CA()
        self.ca_path = str(folder / "entra-ca.pem")
        self._authority.cert_pem.write_to_path(self.ca_path)
        self._lock = threading.Lock()
        self._clients, self._users, self._tenants = {}, [], set()
        self._codes, self._redeemed, self._tampering = {}, set(), {}
        self._key = SigningKey(self._authority)
        self.signed_in: User | None = None
        self.requests: list[tuple[str, str]] = []
        self._start_app_only()
        self._graph = GraphApi(self)
        self._server = HttpsServer(handler_for(self, keep_alive), self._authority, port=port)
        self.base_url = f"https://127.0.0.1:{self._server.port}"

    def stop(self):
        self._server.stop()

    # What the test sets up and changes.

    def register_client(self, client_id: str, client_secret: str, redirect_uris) -> Client:
        client = Client(client_id, client_secret, tuple(redirect_uris))
        self._clients[client_id] = client
        return client

    def add_user(self, tenant_id, object_id, email, name, enabled=True, username=None) -> User:
        """A user of a tenant; the sign-in name (preferred_username) is the email unless given."""
        user = User(tenant_id, object_id, email, name, username or email, enabled)
        self._users.append(user)
        self._tenants.add(tenant_id)
        return user

    def sign_in_as(self, user: User):
        self.signed_in = user

    def disable(self, user: User):
        user.enabled = False

    def remove_user(self, user: User):
        self._users.remove(user)

    def rotate_keys(self):
        """A new signing key; the old one leaves the key set at once."""
        self._retired_keys.append(self._key)
        self._key = SigningKey(self._authority)

    @property
    def kid(self) -> str:
        return self._key.kid

    def tamper_next_id_token(self, **changes):
        """The next id token only: claims replaced (None removes one, a datetime is a moment),
        `alg="none"` unsigned, `unknown_key=True` signed by a key outside the key set (under
        its own kid unless `kid=` says which)."""
        with self._lock:
            self._tampering = changes

    # The endpoints.

    def issuer(self, tenant: str) -> str:
        return f"{self.base_url}/{'{tenantid}' if tenant in SHARED_TENANTS else tenant}/v2.0"

    def configuration(self, tenant, query, headers):
        base = f"{self.base_url}/{tenant}"
        return as_json(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": self.issuer(tenant),
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce"]
                + ["preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
                "tenant_region_scope": None,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
            },
        )

    def keys(self, tenant, query, headers):
        return as_json(200, {"keys": [{**self._key.jwk, "issuer": self.issuer(tenant)}]})

    def authorize(self, tenant, query, headers):
        client = self.client(tenant, query)
        redirect_uri = query.get("redirect_uri")
        if redirect_uri not in client.redirect_uris:
            raise EntraError("unregistered_redirect_uri", **query)
        # Entra would take a code request without PKCE or a nonce: the portal must send both.
        if (query.get("response_type"), query.get("code_challenge_method")) != ("code", "S256"):
            return page(400, "Stand-in: only response_type=code with code_challenge_method=S256")
        if not (query.get("code_challenge") and query.get("nonce")) or self.signed_in is None:
            return page(400, "Stand-in: a code_challenge, a nonce, and a user (entra.sign_in_as)")
        answer = {"state": query.get("state"), "session_state": str(uuid.uuid4())}
        try:
            self.check_may_sign_in(self.signed_in, tenant)
        except EntraError as refusal:
            answer.update(error=refusal.error, error_description=self.incident(refusal, headers))
        else:
            answer["code"] = code = opaque(96)
            with self._lock:
                self._codes[code] = {**query, "user": self.signed_in}
                self._codes[code]["expires"] = time.time() + CODE_LIFETIME
        answer = {name: value for name, value in answer.items() if value is not None}
        if query.get("response_mode") == "form_post":
            return form_post(redirect_uri, answer)
        return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}")

    def client(self, tenant, values) -> Client:
        if values.get("client_id") not in self._clients:
            raise EntraError("unknown_client", tenant=tenant, client_id=values.get("client_id"))
        return self._clients[values["client_id"]]

    def check_may_sign_in(self, user: User, tenant: str):
        if user not in self._users:
            raise EntraError("no_such_user", username=user.username, tenant=tenant)
        if not user.enabled:
            raise EntraError("user_disabled")

    def token(self, tenant, form, headers):
        if form.get("grant_type") == "client_credentials":
            return self.client_credentials(tenant, form, headers)
        client = self.client(tenant, form)
        if not hmac.compare_digest(form.get("client_secret", ""), client.secret):
            raise EntraError("wrong_secret", **form)
        if form.get("grant_type") != "authorization_code":
            raise EntraError("wrong_grant_type", **form)
        code = form.get("code", "")
        with self._lock:
            grant, reused = self._codes.pop(code, None), code in self._redeemed
            self._redeemed.add(code)
        if reused:
            raise EntraError("code_reused")
        if grant is None or grant["client_id"] != client.client_id:
            raise EntraError("bad_code")
        if time.time() > grant["expires"]:
            raise EntraError("code_expired")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            raise EntraError("other_redirect_uri", **form, expected=grant["redirect_uri"])
        verifier = form.get("code_verifier", "").encode()
        if b64url(hashlib.sha256(verifier).digest()) != grant["code_challenge"]:
            raise EntraError("wrong_verifier")
        user, scopes = grant["user"], grant.get("scope", "").split()
        self.check_may_sign_in(user, tenant)
        granted = [scope for scope in scopes if scope != "offline_access"]
        if not any("://" in scope for scope in scopes):
            granted.append("https://graph.microsoft.com/User.Read")  # Entra's default resource
        client_info = b64url(json.dumps({"uid": user.object_id, "utid": user.tenant_id}).encode())
        id_token = self.id_token(user, client, grant["nonce"], "email" in scopes)
        answer = {"token_type": "Bearer", "scope": " ".join(granted), "id_token": id_token}
        answer.update(expires_in=TOKEN_LIFETIME - 1, ext_expires_in=TOKEN_LIFETIME - 1)
        answer.update(access_token=opaque(900), client_info=client_info)
        if "offline_access" in scopes:
            answer["refresh_token"] = opaque(600)
        return as_json(200, answer)

    def id_token(self, user: User, client: Client, nonce: str, with_email: bool) -> str:
        now, tid, oid = int(time.time()), user.tenant_id, user.object_id
        pairwise = hashlib.sha256(f"{tid}/{oid}/{client.client_id}".encode()).digest()
        claims = {"aud": client.client_id, "iss": f"{self.base_url}/{tid}/v2.0", "ver": "2.0"}
        claims.update(iat=now, nbf=now, exp=now + TOKEN_LIFETIME, tid=tid, oid=oid, nonce=nonce)
        claims.update(sub=b64url(pairwise), name=user.name, preferred_username=user.username)
        claims.update(aio=opaque(120), rh=f"1.A{opaque(60)}.", uti=opaque(16))
        if with_email:  # Entra sends it for the email scope, to a user who has an address
            claims["email"] = user.email
        with self._lock:
            changes, self._tampering = self._tampering, {}
        unsigned = changes.pop("alg", "RS256") == "none"
        key = SigningKey(self._authority) if changes.pop("unknown_key", False) else self._key
        header = {"kid": changes.pop("kid", key.kid)}
        claims = {name: value for name, value in {**claims, **changes}.items() if value is not None}
        if unsigned:
            return jwt.encode(claims, None, algorithm="none", headers=header)
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers=header)

    def logout(self, tenant, query, headers):
        self.signed_in = None
        back = query.get("post_logout_redirect_uri")
        if any(back in client.redirect_uris for client in self._clients.values()):
            return redirect(back)
        return page(200, "You signed out of your account. It's a good idea to close all windows.")

    # Entra's refusals: a JSON body from the token endpoint; from the authorize endpoint, a
    # redirect once the client and its redirect URI are known, a page before.

    def incident(self, error: EntraError, headers, *, body=False):
        trace = str(uuid.uuid4())
        correlation = headers.get("client-request-id") or str(uuid.uuid4())
        moment = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        description = f"{error}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\n"
        description += f"Timestamp: {moment}"
        if not body:
            return description
        answer = {"error": error.error, "error_description": description}
        answer.update(error_codes=[error.code], timestamp=moment, trace_id=trace)
        answer["correlation_id"] = correlation
        answer["error_uri"] = f"{self.base_url}/error?code={error.code}"
        return as_json(error.status, answer)

    def answer(self, method: str, url: str, body: bytes, headers):
        path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
        if path.startswith("/v1.0/"):
            return self._graph.answer(method, url, headers)
        self.requests.append((method, path))
        match = re.fullmatch(r"/([^/]+)/(.+)", path)
        route = match and ROUTES.get((method, match[2]))
        if route is None:
            return page(404, "Not found")
        tenant = match[1]
        try:
            if tenant not in SHARED_TENANTS and tenant not in self._tenants:
                raise EntraError("unknown_tenant", tenant=tenant)
            form = dict(parse_qsl(body.decode())) if method == "POST" else query
            return getattr(self, route)(tenant, form, headers)
        except EntraError as error:
            if route in ("authorize", "adminconsent"):
                return page(error.status, self.incident(error, headers))
            return self.incident(error, headers, body=True)


def handler_for(entra: EntraStandIn, keep_alive: bool = False):
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0 closes the connection after each answer; every answer has a Content-Length,
        # so HTTP/1.1 may keep it open.
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
        # A connection kept open is closed after this long idle, as servers do; its answers
        # leave at once (with Nagle's algorithm, the body would wait for the client's delayed
        # ACK of the headers: some 40 ms per answer).
        timeout = 30 if keep_alive else None
        disable_nagle_algorithm = keep_alive

        def do_GET(self):
            self.reply(*entra.answer("GET", self.path, b"", self.headers))

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.reply(*entra.answer("POST", self.path, body, self.headers))

        def reply(self, status: int, headers: dict, body: bytes):
            self.send_response(status)
            for name, value in {**headers, "Cache-Control": "no-store, no-cache"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler
