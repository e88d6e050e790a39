"""What Entra ID's endpoints have in common, for its stand-in (tests/entra.py, tests/entra_apps.py):
its refusals (AADSTS codes and wording), its signing keys, the shapes of its answers."""

import base64
import html
import json
import re
import secrets
from dataclasses import dataclass

import jwt
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

SHARED_TENANTS = ("organizations", "common")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def opaque(size: int) -> str:
    return b64url(secrets.token_bytes(size))


@dataclass
class Client:
    client_id: str
    secret: str
    redirect_uris: tuple[str, ...]
    permissions: tuple[str, ...] = ()  # application permissions, for app-only access


class SigningKey:
    """An RSA key with a certificate, named as Entra names its keys (kid = x5t, the
    certificate's SHA-1 thumbprint)."""

    def __init__(self, authority: trustme.CA):
        leaf = authority.issue_cert("keys.entra.test", key_type=trustme.KeyType.RSA)
        # A key made a moment ago by trustme: checking its arithmetic again took 35 ms, and a
        # stand-in is started for each test that signs someone in.
        self.private_key = serialization.load_pem_private_key(
            leaf.private_key_pem.bytes(), None, unsafe_skip_rsa_key_validation=True
        )
        certificate = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
        public = jwt.algorithms.RSAAlgorithm.to_jwk(certificate.public_key(), as_dict=True)
        self.kid = b64url(certificate.fingerprint(hashes.SHA1()))
        der = certificate.public_bytes(serialization.Encoding.DER)
        self.jwk = {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid}
        self.jwk.update(n=public["n"], e=public["e"], x5c=[base64.b64encode(der).decode()])


# The refusals the stand-in gives, each as its name, Entra's AADSTS code and OAuth error, then
# Entra's wording (from its published AADSTS reference), indented.
AADSTS = """
unknown_client 700016 unauthorized_client
    Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can
    happen if the application has not been installed by the administrator of the tenant or
    consented to by any user in the tenant. You may have sent your authentication request to the
    wrong tenant.
unregistered_redirect_uri 50011 invalid_request
    The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs
    configured for the application '{client_id}'.
no_such_user 50034 access_denied
    The user account {username} does not exist in the {tenant} directory. To sign into this
    application, the account must be added to the directory.
user_disabled 50057 access_denied
    The user account is disabled. The user object in Active Directory backing this account has
    been disabled.
unknown_tenant 90002 invalid_tenant
    Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing
    into the correct cloud.
wrong_secret 7000215 invalid_client
    Invalid client secret provided. Ensure the secret being sent in the request is the client
    secret value, not the client secret ID, for a secret added to app '{client_id}'.
wrong_grant_type 70003 unsupported_grant_type
    The app requested an unsupported grant type '{grant_type}'.
code_reused 54005 invalid_grant
    OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an
    existing refresh token.
bad_code 70000 invalid_grant
    The provided value for the 'code' parameter is not valid.
code_expired 70008 invalid_grant
    The provided authorization code or refresh token has expired due to inactivity. Send a new
    interactive authorization request for this user and resource.
other_redirect_uri 50011 invalid_grant
    The reply address '{redirect_uri}' does not match the reply address '{expected}' provided
    when requesting Authorization code.
wrong_verifier 501481 invalid_grant
    The Code_Verifier does not match the code_challenge supplied in the authorization request.
bad_assertion 700027 invalid_client
    Client assertion failed signature validation. The assertion was not signed by a certificate
    registered for application '{client_id}'.
consent_declined 65004 access_denied
    User declined to consent to access the app.
other_tenant 50020 invalid_request
    User account from identity provider does not exist in tenant '{tenant}' and cannot access the
    application in that tenant. The account needs to be added as an external user in the tenant
    first.
bad_scope 1002012 invalid_scope
    The provided value for scope {scope} is not valid. Client credential flows must have a scope
    value with /.default suffixed to the resource identifier (application ID URI).
unknown_resource 500011 invalid_resource
    The resource principal named {resource} was not found in the tenant named {tenant}. This can
    happen if the application has not been installed by the administrator of the tenant or
    consented to by any user in the tenant.
"""
ERRORS = {
    name: (int(code), error, " ".join(text.split()))
    for name, code, error, text in re.findall(r"^(\w+) (\d+) (\w+)\n((?: {4}.*\n)+)", AADSTS, re.M)
}


class EntraError(Exception):
    """An AADSTS error; a bad client secret is a 401, as at Entra, the rest 400s."""

    def __init__(self, name: str, **values):
        self.code, self.error, message = ERRORS[name]
        super().__init__(f"AADSTS{self.code}: {message.format(**values)}")
        self.status = 401 if self.error == "invalid_client" else 400


def as_json(status: int, data: dict):
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode()


def page(status: int, text: str):
    body = f"<!doctype html><title>Sign in</title><p>{html.escape(text)}</p>"
    return status, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


def redirect(url: str):
    return 302, {"Location": url}, b""


def form_post(url: str, fields: dict):
    """Entra's answer for response_mode=form_post: a page whose form posts itself back."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    body = (
        f'<!doctype html><body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(url)}">{inputs}</form>'
    )
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
