"""The OAuth test server itself (tests/oauth_server): that it enforces what the client tests rely on.

Plain HTTP with `requests`, no project code: PKCE is required, refresh tokens rotate, a replayed
refresh token revokes the grant, revocation answers, and both client authentication methods work.
"""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import requests

from tests.oauth_server import TESTSERVER_REDIRECT_URI, start_oauth_server

TIMEOUT_S = 10


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(server, client_name="basic", state="state-1", challenge=None, scope="openid offline_access"):
    client_id, _, _ = server.clients[client_name]
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": server.redirect_uri,
        "scope": scope,
        "state": state,
        "prompt": "consent",  # without it oidc-provider drops offline_access (OIDC Core 11)
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return f"{server.authorization_endpoint}?{urlencode(query)}"


def token_request(server, client_name, **form):
    """POST to the token endpoint, authenticating the way that client is registered for."""
    client_id, client_secret, method = server.clients[client_name]
    if method == "client_secret_basic":
        return requests.post(server.token_endpoint, data=form, auth=(client_id, client_secret), timeout=TIMEOUT_S)
    form |= {"client_id": client_id, "client_secret": client_secret}
    return requests.post(server.token_endpoint, data=form, timeout=TIMEOUT_S)


def exchange_code(server, code, verifier=None, client_name="basic"):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": server.redirect_uri}
    if verifier:
        form["code_verifier"] = verifier
    return token_request(server, client_name, **form)


def connect(server, client_name="basic", scope="openid offline_access"):
    """Authorize with PKCE and exchange the code: the token response."""
    verifier, challenge = pkce_pair()
    answer = server.authorize(authorize_url(server, client_name, challenge=challenge, scope=scope))
    reply = exchange_code(server, answer["code"], verifier, client_name)
    assert reply.status_code == 200, reply.text
    return reply.json()


def refresh(server, refresh_token, client_name="basic"):
    return token_request(server, client_name, grant_type="refresh_token", refresh_token=refresh_token)


def test_an_authorize_request_without_pkce_is_refused(oauth_server):
    answer = oauth_server.authorize(authorize_url(oauth_server, state="no-pkce"))
    assert answer["error"] == "invalid_request" and "PKCE" in answer["error_description"]
    assert answer["state"] == "no-pkce" and "code" not in answer


def test_a_code_without_its_verifier_is_refused(oauth_server):
    _, challenge = pkce_pair()
    answer = oauth_server.authorize(authorize_url(oauth_server, challenge=challenge))
    reply = exchange_code(oauth_server, answer["code"])
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_pkce_s256_gives_access_and_refresh_tokens_for_the_test_account(oauth_server):
    verifier, challenge = pkce_pair()
    answer = oauth_server.authorize(authorize_url(oauth_server, challenge=challenge, state="state-9"))
    assert answer["state"] == "state-9" and answer["code"] and answer["iss"] == oauth_server.issuer
    tokens = exchange_code(oauth_server, answer["code"], verifier).json()
    assert tokens["access_token"] and tokens["refresh_token"] and tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600 and set(tokens["scope"].split()) == {"openid", "offline_access"}
    client_id, client_secret, _ = oauth_server.clients["basic"]
    about = requests.post(
        oauth_server.introspection_endpoint,
        data={"token": tokens["access_token"]},
        auth=(client_id, client_secret),
        timeout=TIMEOUT_S,
    ).json()
    assert about["active"] and about["sub"] == "account-1" and about["client_id"] == client_id


def test_a_refresh_token_comes_even_without_offline_access(oauth_server):
    tokens = connect(oauth_server, scope="posts.write")
    assert tokens["refresh_token"] and tokens["scope"] == "posts.write"


def test_refresh_rotates_and_a_replayed_token_revokes_the_grant(oauth_server):
    first = connect(oauth_server)
    second = refresh(oauth_server, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]

    replayed = refresh(oauth_server, first["refresh_token"])
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    # The replay is taken as theft: the token that replaced it dies with the grant.
    after = refresh(oauth_server, second["refresh_token"])
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


def test_revocation_answers_200_and_ends_the_refresh_token(oauth_server):
    tokens = connect(oauth_server)
    client_id, client_secret, _ = oauth_server.clients["basic"]
    revoked = requests.post(
        oauth_server.revocation_endpoint,
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(client_id, client_secret),
        timeout=TIMEOUT_S,
    )
    assert revoked.status_code == 200
    assert refresh(oauth_server, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_client_secret_post_client(oauth_server):
    tokens = connect(oauth_server, "post")
    assert refresh(oauth_server, tokens["refresh_token"], "post").status_code == 200


def test_each_client_must_authenticate_as_registered(oauth_server):
    """oidc-provider alone takes either method; server.mjs refuses the other, as platforms do."""
    client_id, client_secret, _ = oauth_server.clients["post"]
    form = {"grant_type": "refresh_token", "refresh_token": "anything"}
    credentials = (client_id, client_secret)
    in_header = requests.post(oauth_server.token_endpoint, data=form, auth=credentials, timeout=TIMEOUT_S)
    assert in_header.status_code == 401 and in_header.json()["error"] == "invalid_client"

    client_id, client_secret, _ = oauth_server.clients["basic"]
    in_body = requests.post(
        oauth_server.revocation_endpoint,
        data={"token": "anything", "client_id": client_id, "client_secret": client_secret},
        timeout=TIMEOUT_S,
    )
    assert in_body.status_code == 401 and in_body.json()["error"] == "invalid_client"


def test_the_django_test_client_callback_is_registered_too(oauth_server):
    _, challenge = pkce_pair()
    url = authorize_url(oauth_server, challenge=challenge).replace(
        "http%3A%2F%2F127.0.0.1%2F", "http%3A%2F%2Ftestserver%2F"
    )
    assert TESTSERVER_REDIRECT_URI in oauth_server.redirect_uris
    assert oauth_server.authorize(url)["code"]


def test_a_server_of_its_own_with_a_short_access_token_lifetime():
    with start_oauth_server(access_token_ttl=5) as server:
        assert server.issuer.startswith("http://127.0.0.1:")
        assert connect(server)["expires_in"] == 5


def test_an_unregistered_redirect_uri_is_not_redirected_to(oauth_server):
    _, challenge = pkce_pair()
    url = authorize_url(oauth_server, challenge=challenge).replace(
        "connect%2Fcallback%2Ftest", "connect%2Fcallback%2Fother"
    )
    reply = requests.get(url, allow_redirects=False, timeout=TIMEOUT_S)
    assert reply.status_code == 400 and "redirect_uri" in reply.text
