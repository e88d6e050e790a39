"""The Entra ID stand-in (tests/entra.py) as msal's real client and PyJWT see it: the sign-in the
portal's tests rely on, each refusal Entra gives, and each fault a test can ask for."""

import datetime
import re
import ssl
from urllib.parse import parse_qsl, urlsplit

import jwt
import msal
import pytest
import requests

CLIENT_ID = "5b0c7a3e-9d41-4c8e-a2f6-0e1d2c3b4a59"
SECRET = "stand-in~secret.of.the.portal"
REDIRECT_URI = "https://portal.test/accounts/entra/callback"
CONTOSO = "0f5e9d8c-7b6a-4d3c-9e2f-1a0b9c8d7e6f"
FABRIKAM = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
CARLA_OID = "3c9e1f70-2b4d-4a6e-8f01-5d7c9b2e4a63"

# msal 1.39 recommends response_mode=form_post on every flow that does not use it.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")


@pytest.fixture
def carla_at_contoso(entra):
    entra.register_client(CLIENT_ID, SECRET, [REDIRECT_URI])
    carla = entra.add_user(CONTOSO, CARLA_OID, "carla@contoso.test", "Carla Souza")
    entra.sign_in_as(carla)
    return carla


def msal_app(entra, client_id=CLIENT_ID, secret=SECRET):
    """msal as the portal configures it, against the stand-in: no instance discovery (it would
    ask login.microsoftonline.com), and the stand-in's CA."""
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{entra.base_url}/organizations",
        validate_authority=False,
        instance_discovery=False,
        verify=entra.ca_path,
    )


@pytest.fixture
def app(entra, carla_at_contoso):
    return msal_app(entra)


def authorize(entra, app, **flow_changes):
    """The browser's leg: the flow msal starts, and the query Entra's redirect carries back."""
    flow = app.initiate_auth_code_flow(scopes=["email"], redirect_uri=REDIRECT_URI)
    answer = requests.get(flow["auth_uri"], verify=entra.ca_path, allow_redirects=False)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT_URI
    return {**flow, **flow_changes}, dict(parse_qsl(back.query))


def sign_in(entra, app, **flow_changes):
    return app.acquire_token_by_auth_code_flow(*authorize(entra, app, **flow_changes))


def keys_client(entra, tenant="organizations"):
    context = ssl.create_default_context(cafile=entra.ca_path)
    return jwt.PyJWKClient(f"{entra.base_url}/{tenant}/discovery/v2.0/keys", ssl_context=context)


def verified_claims(entra, id_token, tid=CONTOSO):
    key = keys_client(entra).get_signing_key_from_jwt(id_token)
    return jwt.decode(
        id_token,
        key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=f"{entra.base_url}/{tid}/v2.0",
        options={"require": ["exp", "iat", "nbf", "nonce", "tid", "oid", "sub"]},
    )


def unverified(id_token):
    return jwt.get_unverified_header(id_token), jwt.decode(
        id_token, options={"verify_signature": False}
    )


def test_msal_signs_in_and_the_id_token_verifies_against_the_keys(entra, app):
    result = sign_in(entra, app)

    claims = verified_claims(entra, result["id_token"])
    assert claims["tid"] == CONTOSO and claims["oid"] == CARLA_OID and claims["ver"] == "2.0"
    assert claims["email"] == claims["preferred_username"] == "carla@contoso.test"
    assert claims["name"] == "Carla Souza" and claims["sub"] not in (CARLA_OID, "")
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert {"uti", "rh", "aio"} <= claims.keys()
    assert result["token_type"] == "Bearer" and result["refresh_token"]
    assert result["id_token_claims"]["nonce"] == claims["nonce"]
    # msal sent the sha256 of its flow's nonce, and the token echoes what was sent.
    assert jwt.get_unverified_header(result["id_token"])["kid"] == entra.kid
    assert ("GET", "/organizations/v2.0/.well-known/openid-configuration") in entra.requests
    assert not any("discovery/instance" in path for _method, path in entra.requests)


def test_form_post_answers_with_a_page_that_posts_the_code_back(entra, app):
    flow = app.initiate_auth_code_flow(
        scopes=["email"], redirect_uri=REDIRECT_URI, response_mode="form_post"
    )
    answer = requests.get(flow["auth_uri"], verify=entra.ca_path, allow_redirects=False)
    assert answer.status_code == 200 and f'action="{REDIRECT_URI}"' in answer.text
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', answer.text))
    assert fields.keys() == {"code", "state", "session_state"}
    assert "id_token" in app.acquire_token_by_auth_code_flow(flow, fields)


def test_the_email_claim_comes_only_with_the_email_scope_and_an_address(entra, app):
    flow = app.initiate_auth_code_flow(scopes=[], redirect_uri=REDIRECT_URI)
    answer = requests.get(flow["auth_uri"], verify=entra.ca_path, allow_redirects=False)
    result = app.acquire_token_by_auth_code_flow(
        flow, dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    )
    assert "email" not in verified_claims(entra, result["id_token"])

    admin = entra.add_user(
        CONTOSO,
        "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
        None,
        "Admin",
        username="admin@contoso.onmicrosoft.test",
    )
    entra.sign_in_as(admin)
    claims = verified_claims(entra, sign_in(entra, app)["id_token"])
    assert (
        "email" not in claims and claims["preferred_username"] == "admin@contoso.onmicrosoft.test"
    )


def test_each_app_sees_its_own_subject_for_the_same_user(entra, app):
    entra.register_client("other-app", "other-secret", [REDIRECT_URI])
    other = msal_app(entra, "other-app", "other-secret")
    ours, theirs = sign_in(entra, app), sign_in(entra, other)
    assert ours["id_token_claims"]["oid"] == theirs["id_token_claims"]["oid"]
    assert ours["id_token_claims"]["sub"] != theirs["id_token_claims"]["sub"]


def test_the_discovery_document_has_entras_shape(entra, carla_at_contoso):
    def configuration(tenant):
        url = f"{entra.base_url}/{tenant}/v2.0/.well-known/openid-configuration"
        return requests.get(url, verify=entra.ca_path)

    shared = configuration("organizations").json()
    assert shared["issuer"] == f"{entra.base_url}/{{tenantid}}/v2.0"
    assert shared["jwks_uri"] == f"{entra.base_url}/organizations/discovery/v2.0/keys"
    assert shared["id_token_signing_alg_values_supported"] == ["RS256"]
    assert shared["end_session_endpoint"].endswith("/organizations/oauth2/v2.0/logout")
    assert configuration("common").json()["issuer"] == shared["issuer"]
    assert configuration(CONTOSO).json()["issuer"] == f"{entra.base_url}/{CONTOSO}/v2.0"
    unknown = configuration(FABRIKAM)
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_tenant"
    assert unknown.json()["error_codes"] == [90002]


def test_a_tampered_nonce_makes_msal_refuse(entra, app):
    entra.tamper_next_id_token(nonce="a-nonce-from-another-sign-in")
    with pytest.raises(RuntimeError, match="nonce"):
        sign_in(entra, app)
    assert "error" not in sign_in(entra, app)  # one-shot: the next sign-in is clean


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"aud": "someone-elses-app"}, jwt.InvalidAudienceError),
        ({"iss": "https://login.microsoftonline.com/x/v2.0"}, jwt.InvalidIssuerError),
        ({"exp": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)}, jwt.ExpiredSignatureError),
        ({"tid": None}, jwt.MissingRequiredClaimError),
    ],
)
def test_a_tampered_claim_is_signed_and_pyjwt_refuses_it(entra, app, changes, refusal):
    entra.tamper_next_id_token(**changes)
    id_token = sign_in(entra, app)["id_token"]
    with pytest.raises(refusal):
        verified_claims(entra, id_token)


def test_a_tampered_tenant_still_verifies_so_the_portal_must_match_it_to_the_issuer(entra, app):
    entra.tamper_next_id_token(tid=FABRIKAM)
    claims = verified_claims(entra, sign_in(entra, app)["id_token"])
    assert claims["tid"] == FABRIKAM and claims["iss"].endswith(f"/{CONTOSO}/v2.0")


def test_an_unsigned_token_has_alg_none_and_no_signature(entra, app):
    entra.tamper_next_id_token(alg="none")
    id_token = sign_in(entra, app)["id_token"]
    header, claims = unverified(id_token)
    assert header["alg"] == "none" and id_token.endswith(".") and claims["tid"] == CONTOSO
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(id_token, keys_client(entra).get_signing_keys()[0], algorithms=["RS256"])


def test_a_token_signed_by_an_unknown_key_names_a_key_the_set_lacks(entra, app):
    entra.tamper_next_id_token(unknown_key=True)
    id_token = sign_in(entra, app)["id_token"]
    assert unverified(id_token)[0]["kid"] != entra.kid
    with pytest.raises(jwt.PyJWKClientError, match="Unable to find a signing key"):
        verified_claims(entra, id_token)


def test_a_token_signed_by_an_unknown_key_under_the_real_kid_fails_its_signature(entra, app):
    entra.tamper_next_id_token(unknown_key=True, kid=entra.kid)
    with pytest.raises(jwt.InvalidSignatureError):
        verified_claims(entra, sign_in(entra, app)["id_token"])


def test_after_a_rotation_only_the_new_key_is_published_and_signs(entra, app):
    before = sign_in(entra, app)["id_token"]
    old_kid = entra.kid
    entra.rotate_keys()
    after = sign_in(entra, app)["id_token"]

    assert [key.key_id for key in keys_client(entra).get_signing_keys()] == [entra.kid]
    assert entra.kid != old_kid and unverified(after)[0]["kid"] == entra.kid
    assert verified_claims(entra, after)["oid"] == CARLA_OID
    with pytest.raises(jwt.PyJWKClientError):
        verified_claims(entra, before)


@pytest.mark.parametrize(
    ("leave", "code"), [("disable", "AADSTS50057"), ("remove_user", "AADSTS50034")]
)
def test_a_user_who_left_is_sent_back_with_entras_refusal(
    entra, app, carla_at_contoso, leave, code
):
    getattr(entra, leave)(carla_at_contoso)
    flow, query = authorize(entra, app)
    assert "code" not in query and query["state"] == flow["state"]
    result = app.acquire_token_by_auth_code_flow(flow, query)
    assert result["error"] == "access_denied"
    assert result["error_description"].startswith(f"{code}: ")


def test_a_user_disabled_after_the_redirect_cannot_redeem_the_code(entra, app, carla_at_contoso):
    flow, query = authorize(entra, app)
    entra.disable(carla_at_contoso)
    result = app.acquire_token_by_auth_code_flow(flow, query)
    assert result["error"] == "access_denied" and result["error_codes"] == [50057]


def test_an_unknown_client_or_an_unregistered_redirect_uri_gets_an_error_page(entra, app):
    def page(client_id, redirect_uri):
        url = f"{entra.base_url}/organizations/oauth2/v2.0/authorize"
        query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code"}
        return requests.get(url, query, verify=entra.ca_path, allow_redirects=False)

    unknown = page("not-registered", REDIRECT_URI)
    assert unknown.status_code == 400 and "AADSTS700016" in unknown.text
    elsewhere = page(CLIENT_ID, "https://attacker.test/callback")
    assert elsewhere.status_code == 400 and "AADSTS50011" in elsewhere.text
    assert "Location" not in elsewhere.headers


def test_the_code_is_for_one_use(entra, app):
    flow, query = authorize(entra, app)
    assert "id_token" in app.acquire_token_by_auth_code_flow(dict(flow), query)
    again = app.acquire_token_by_auth_code_flow(flow, query)
    assert again["error"] == "invalid_grant" and again["error_codes"] == [54005]


def test_the_code_lasts_ten_minutes(entra, app, time_machine):
    time_machine.move_to(datetime.datetime.now(datetime.UTC), tick=False)
    flow, query = authorize(entra, app)
    time_machine.shift(datetime.timedelta(minutes=10, seconds=1))
    expired = app.acquire_token_by_auth_code_flow(flow, query)
    assert expired["error"] == "invalid_grant" and expired["error_codes"] == [70008]


@pytest.mark.parametrize(
    ("flow_changes", "code"),
    [
        ({"code_verifier": "a" * 43}, 501481),
        ({"redirect_uri": "https://portal.test/elsewhere"}, 50011),
    ],
)
def test_the_code_needs_its_verifier_and_its_redirect_uri(entra, app, flow_changes, code):
    result = sign_in(entra, app, **flow_changes)
    assert result["error"] == "invalid_grant" and result["error_codes"] == [code]
    assert result["error_description"].startswith(f"AADSTS{code}: ")
    assert {"timestamp", "trace_id", "correlation_id"} <= result.keys()


def test_a_wrong_secret_is_refused_as_entra_refuses_it(entra, app):
    flow, query = authorize(entra, app)
    result = msal_app(entra, secret="not-the-secret").acquire_token_by_auth_code_flow(flow, query)
    assert result["error"] == "invalid_client" and result["error_codes"] == [7000215]


def test_the_stand_in_insists_on_pkce_and_a_nonce(entra, carla_at_contoso):
    url = f"{entra.base_url}/organizations/oauth2/v2.0/authorize"
    query = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "response_type": "code"}
    answer = requests.get(url, query, verify=entra.ca_path, allow_redirects=False)
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_sign_out_ends_the_entra_session_and_returns_to_a_registered_address(entra, app):
    url = f"{entra.base_url}/organizations/oauth2/v2.0/logout"
    back = requests.get(
        url, {"post_logout_redirect_uri": REDIRECT_URI}, verify=entra.ca_path, allow_redirects=False
    )
    assert back.status_code == 302 and back.headers["Location"] == REDIRECT_URI
    assert entra.signed_in is None
    stay = requests.get(
        url, {"post_logout_redirect_uri": "https://attacker.test/"}, verify=entra.ca_path
    )
    assert stay.status_code == 200 and "signed out" in stay.text
