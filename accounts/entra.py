"""Sign in with Microsoft Entra ID: the OpenID Connect authorization-code flow with PKCE, state
and nonce (msal), and the id token checked here.

msal runs the protocol (the flow's state, nonce and PKCE verifier, the code's exchange) but
does not check the id token's signature, taking it on trust from the TLS connection. The
token is the only thing that says who signed in, so it is checked in full: its signature
against the keys of the tenant that issued it (fetched once and kept, fetched again when a
token names a key the portal does not know: Entra rotates its keys), the issuer for the
token's own tenant, the audience and the times. msal checks the nonce.
"""

import datetime
import functools
import ssl
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

import jwt
import msal
from django.conf import settings

# msal asks for openid and profile itself; email brings the address an invitation is matched
# against (with the tenant: never the email alone).
SCOPES = ["email"]
# A key set fetched is kept this long before it is fetched again; a token signed by a key not
# in it fetches it at once, but not twice within the cooldown, so tokens naming made-up keys
# cannot make the portal hammer the tenant's key endpoint.
KEYS_KEPT_SECONDS = 3600
KEYS_REFETCH_COOLDOWN_SECONDS = 30


class SignInRefused(Exception):
    """The sign-in could not be trusted; the message says why, for the person and the record."""


@dataclass(frozen=True)
class Identity:
    """Who the tenant says signed in, from a checked id token."""

    tenant_id: str
    object_id: str
    name: str
    email: str


def enabled() -> bool:
    return bool(settings.ENTRA_CLIENT_ID)


@functools.cache
def _application(
    client_id: str, secret: str, authority_host: str, ca_file: str
) -> msal.ConfidentialClientApplication:
    # Keyed by every setting that shapes it, so changed settings (a test's stand-in) get an
    # application of their own.
    on_microsoft = authority_host == "https://login.microsoftonline.com"
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{authority_host}/organizations",
        # Another host (a stand-in) is neither known to Microsoft's instance discovery nor
        # a valid Entra authority by its name.
        instance_discovery=on_microsoft,
        validate_authority=on_microsoft,
        verify=ca_file or True,
    )


def application() -> msal.ConfidentialClientApplication:
    return _application(
        settings.ENTRA_CLIENT_ID,
        settings.ENTRA_CLIENT_SECRET,
        settings.ENTRA_AUTHORITY_HOST,
        settings.ENTRA_CA_FILE,
    )


def flow_start(redirect_uri: str) -> dict:
    """A new flow: its `auth_uri` is where the person goes; the rest stays in their session."""
    # The answer comes back in the query, not as a form post: a post from Entra's page is a
    # cross-site request, which the session cookie (SameSite=Lax) does not travel with, and the
    # flow waits in that session. PKCE, state and nonce guard the code either way.
    return application().initiate_auth_code_flow(
        SCOPES, redirect_uri=redirect_uri, prompt="select_account", response_mode="query"
    )


def flow_finish(flow: dict, answer: dict) -> Identity:
    """Exchange the code the tenant sent back for an id token, and check the token."""
    try:
        result = application().acquire_token_by_auth_code_flow(flow, answer)
    except (ValueError, RuntimeError) as error:  # msal: the state, or the nonce, is not ours
        raise SignInRefused(f"The answer does not belong to this sign-in ({error}).") from None
    if "error" in result:
        raise SignInRefused(f"{result['error']}: {result.get('error_description', '')}")
    return identity_from(result["id_token"])


@functools.cache
def _keys(jwks_uri: str, ca_file: str) -> jwt.PyJWKClient:
    context = ssl.create_default_context(cafile=ca_file or None)
    return jwt.PyJWKClient(
        jwks_uri,
        cache_keys=True,
        lifespan=KEYS_KEPT_SECONDS,
        cooldown_duration=KEYS_REFETCH_COOLDOWN_SECONDS,
        ssl_context=context,
        timeout=10,
    )


def identity_from(id_token: str) -> Identity:
    """The identity an id token vouches for, once every check passed (msal has checked the
    nonce against the flow's before: a mismatch never reaches here)."""
    try:
        tenant_id = jwt.decode(id_token, options={"verify_signature": False})["tid"]
        host = settings.ENTRA_AUTHORITY_HOST
        keys = _keys(f"{host}/{tenant_id}/discovery/v2.0/keys", settings.ENTRA_CA_FILE)
        claims = jwt.decode(
            id_token,
            keys.get_signing_key_from_jwt(id_token).key,
            algorithms=["RS256"],
            audience=settings.ENTRA_CLIENT_ID,
            issuer=f"{host}/{tenant_id}/v2.0",
            options={"require": ["exp", "iat", "aud", "iss", "nonce", "tid", "oid"]},
        )
    except (jwt.PyJWTError, KeyError) as error:
        raise SignInRefused(f"The id token was refused: {error}.") from None
    return Identity(
        tenant_id=claims["tid"],
        object_id=claims["oid"],
        name=claims.get("name", ""),
        email=(claims.get("email") or claims.get("preferred_username") or "").lower(),
    )


def sign_out_url(post_logout_redirect_uri: str) -> str:
    """Entra's own sign-out, offered after the portal's: it ends the Microsoft session too."""
    query = urlencode({"post_logout_redirect_uri": post_logout_redirect_uri})
    return f"{settings.ENTRA_AUTHORITY_HOST}/organizations/oauth2/v2.0/logout?{query}"


# A checked identity not yet bound to an account waits in the session for the invitation it
# came to accept, this long at most.
PENDING_SESSION_KEY = "entra_pending"
PENDING_MINUTES = 10


def pending_keep(session, identity: Identity, now: datetime.datetime) -> None:
    session[PENDING_SESSION_KEY] = {**asdict(identity), "at": now.timestamp()}


def pending_take(session, now: datetime.datetime) -> Identity | None:
    """The identity waiting in the session, once: None if there is none or it is too old."""
    kept = session.pop(PENDING_SESSION_KEY, None)
    if kept is None or now.timestamp() - kept.pop("at") > PENDING_MINUTES * 60:
        return None
    return Identity(**kept)
