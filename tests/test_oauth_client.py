"""The OAuth client built from a platform's declaration, against real servers on loopback.

The generic path runs against npm `oidc-provider` (PKCE S256 required, rotating refresh
tokens, replay revoking the grant, RFC 7009 revocation). Platform quirks (how the client
authenticates, the client id's name, GET token requests, the User-Agent) and error shapes
run against a small recording token endpoint of the test's own.
"""

import base64
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from credentials.platforms import REGISTRY
from credentials.platforms.base import OAuth2
from oauth.client import AppCredentials, PlatformClient
from oauth.errors import OAuthFailure

REAL_ORIGIN = "https://auth.platform.example"


@pytest.fixture
def platform_at_oidc(oauth_server):
    """A platform declared at a real-looking origin, sent to oidc-provider by the override."""
    path = lambda url: urlsplit(url).path  # noqa: E731
    declaration = OAuth2(
        authorize_url=REAL_ORIGIN + path(oauth_server.authorization_endpoint),
        token_url=REAL_ORIGIN + path(oauth_server.token_endpoint),
        revocation_url=REAL_ORIGIN + path(oauth_server.revocation_endpoint),
        scopes=("openid", "offline_access"),
        pkce=True,
        client_auth="client_secret_basic",
        authorize_params=(("prompt", "consent"),),
    )
    client_id, client_secret, _ = oauth_server.clients["basic"]
    with override_settings(OAUTH_ORIGIN_OVERRIDES={REAL_ORIGIN: oauth_server.issuer}):
        yield PlatformClient(
            declaration, AppCredentials(client_id, client_secret), redirect_uri=oauth_server.redirect_uri
        )


def connect(client, oauth_server):
    url, verifier = client.authorization_url(state="state-1")
    answer = oauth_server.authorize(url)
    assert answer["state"] == "state-1"
    return client.exchange_code(answer["code"], code_verifier=verifier)


def test_authorization_code_with_pkce_gives_tokens(platform_at_oidc, oauth_server):
    url, verifier = platform_at_oidc.authorization_url(state="state-1")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(oauth_server.issuer)  # the override applied to the browser's URL too
    assert query["code_challenge_method"] == ["S256"] and query["prompt"] == ["consent"]
    assert query["scope"] == ["openid offline_access"]
    tokens = platform_at_oidc.exchange_code(oauth_server.authorize(url)["code"], code_verifier=verifier)
    assert tokens["access_token"] and tokens["refresh_token"] and tokens["expires_in"] > 0


def test_a_code_without_its_verifier_is_refused_as_not_retryable(platform_at_oidc, oauth_server):
    url, _ = platform_at_oidc.authorization_url(state="state-1")
    with pytest.raises(OAuthFailure) as failure:
        platform_at_oidc.exchange_code(oauth_server.authorize(url)["code"])
    assert failure.value.code == "invalid_grant" and not failure.value.transient
    assert "invalid_grant" in str(failure.value)


def test_refresh_rotates_and_a_replayed_token_kills_the_chain(platform_at_oidc, oauth_server):
    first = connect(platform_at_oidc, oauth_server)
    second = platform_at_oidc.refresh(first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    with pytest.raises(OAuthFailure) as replayed:
        platform_at_oidc.refresh(first["refresh_token"])
    assert replayed.value.code == "invalid_grant" and not replayed.value.transient
    with pytest.raises(OAuthFailure):
        platform_at_oidc.refresh(second["refresh_token"])  # the whole grant was revoked


def test_revocation(platform_at_oidc, oauth_server):
    tokens = connect(platform_at_oidc, oauth_server)
    platform_at_oidc.revoke(tokens["refresh_token"], token_type_hint="refresh_token")
    with pytest.raises(OAuthFailure):
        platform_at_oidc.refresh(tokens["refresh_token"])


# --- Platform quirks, against a recording token endpoint ------------------------------


class TokenEndpoint(ThreadingHTTPServer):
    """Answers every request with `status` and `body`, and remembers what it was sent."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.requests, self.status, self.body, self.headers_out = [], 200, {}, {}
        self.origin = f"http://127.0.0.1:{self.server_address[1]}"


class _Recorder(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length).decode() if length else urlsplit(self.path).query
        self.server.requests.append({"method": self.command, "form": parse_qs(form), "headers": dict(self.headers)})
        payload = json.dumps(self.server.body).encode()
        self.send_response(self.server.status)
        for name, value in {"Content-Type": "application/json", **self.server.headers_out}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def token_endpoint():
    server = TokenEndpoint()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.body = {"access_token": "at-1", "token_type": "bearer", "expires_in": 3600, "refresh_token": "rt-1"}
    yield server
    server.shutdown()
    server.server_close()


def platform_client(key, endpoint):
    """The platform's real declaration, its origins sent to the recording endpoint."""
    declaration = REGISTRY[key].oauth
    origins = {
        f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in (declaration.authorize_url, declaration.token_url)
    }
    overrides = override_settings(OAUTH_ORIGIN_OVERRIDES=dict.fromkeys(origins, endpoint.origin))
    overrides.enable()
    return PlatformClient(
        declaration, AppCredentials("app-id", "app-secret"), redirect_uri="http://127.0.0.1/cb/"
    ), overrides


@pytest.fixture
def quirks(token_endpoint):
    made = []

    def build(key):
        client, overrides = platform_client(key, token_endpoint)
        made.append(overrides)
        return client

    yield build
    for overrides in made:
        overrides.disable()


def test_tiktok_names_its_client_client_key_and_comma_separates_scopes(quirks, token_endpoint):
    tiktok = quirks("tiktok")
    url, verifier = tiktok.authorization_url(state="s")
    query = parse_qs(urlsplit(url).query)
    assert query["client_key"] == ["app-id"] and "client_id" not in query
    assert query["scope"] == ["user.info.basic,user.info.profile,video.publish,video.upload"]
    tiktok.exchange_code("the-code", code_verifier=verifier)
    (sent,) = token_endpoint.requests
    assert sent["form"]["client_key"] == ["app-id"] and sent["form"]["client_secret"] == ["app-secret"]
    assert sent["form"]["code_verifier"] == [verifier] and "client_id" not in sent["form"]


@pytest.mark.parametrize("key", ["twitter", "reddit"])
def test_basic_auth_platforms_send_the_app_in_the_authorization_header(quirks, token_endpoint, key):
    quirks(key).refresh("rt-0")
    (sent,) = token_endpoint.requests
    expected = "Basic " + base64.b64encode(b"app-id:app-secret").decode()
    assert sent["headers"]["Authorization"] == expected and "client_secret" not in sent["form"]


def test_reddit_asks_for_a_permanent_grant_and_sends_its_user_agent(quirks, token_endpoint):
    reddit = quirks("reddit")
    assert parse_qs(urlsplit(reddit.authorization_url(state="s")[0]).query)["duration"] == ["permanent"]
    reddit.exchange_code("the-code")
    assert token_endpoint.requests[0]["headers"]["User-Agent"] == REGISTRY["reddit"].oauth.user_agent


def test_google_asks_for_offline_access_with_consent(quirks):
    query = parse_qs(urlsplit(quirks("youtube").authorization_url(state="s")[0]).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]


def test_facebook_exchanges_the_code_with_a_get(quirks, token_endpoint):
    quirks("facebook").exchange_code("the-code")
    (sent,) = token_endpoint.requests
    assert sent["method"] == "GET" and sent["form"]["code"] == ["the-code"]


def test_a_refresh_answer_without_a_refresh_token_keeps_the_one_used(quirks, token_endpoint):
    token_endpoint.body = {"access_token": "at-2", "token_type": "bearer", "expires_in": 3600}
    assert quirks("youtube").refresh("rt-kept")["refresh_token"] == "rt-kept"


# --- Failures: a short reason, and whether it is worth retrying ---------------------


@pytest.mark.parametrize(
    ("status", "body", "code", "transient", "reason"),
    [
        (400, {"error": "invalid_grant", "error_description": "Token expired"}, "invalid_grant", False,
         "invalid_grant: Token expired (HTTP 400)"),
        (401, {"error": "invalid_client", "error_description": "bad", "log_id": "2026"}, "invalid_client", False,
         "invalid_client: bad (HTTP 401)"),
        (400, {"error": {"message": "Session has expired", "type": "OAuthException", "code": 190}}, "190", False,
         "190: Session has expired (HTTP 400)"),
        (503, {"message": "down for maintenance"}, None, True, "down for maintenance (HTTP 503)"),
        (429, {"error": "rate_limited"}, "rate_limited", True, "rate_limited (HTTP 429)"),
    ],
)  # fmt: skip
def test_error_answers_become_short_reasons(quirks, token_endpoint, status, body, code, transient, reason):
    token_endpoint.status, token_endpoint.body = status, body
    token_endpoint.headers_out = {"Retry-After": "30"} if status == 429 else {}
    with pytest.raises(OAuthFailure) as failure:
        quirks("linkedin").refresh("SENTINEL-refresh-token")
    assert (failure.value.code, failure.value.transient, str(failure.value)) == (code, transient, reason)
    assert failure.value.retry_after == (30 if status == 429 else None)
    assert "SENTINEL" not in str(failure.value)


def test_no_answer_in_time_is_a_transient_timeout(settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never answers
    port = silent.getsockname()[1]
    settings.OAUTH_TIMEOUT_SECONDS = 0.5
    try:
        declaration = OAuth2(authorize_url="http://x/", token_url=f"http://127.0.0.1:{port}/token", scopes=())
        client = PlatformClient(declaration, AppCredentials("a", "b"), redirect_uri="http://127.0.0.1/cb/")
        with pytest.raises(OAuthFailure) as failure:
            client.refresh("rt")
    finally:
        silent.close()
    assert failure.value.transient and str(failure.value) == f"timed out to 127.0.0.1:{port}"


def test_origin_overrides_in_production_are_a_deploy_warning(manage, mongo_db):
    env = {
        "DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "console.example.com", "TRUSTED_PROXY_COUNT": "1",
        "CONSOLE_PUBLIC_URL": "https://console.example.com",
        "OAUTH_ORIGIN_OVERRIDES": json.dumps({"https://open.tiktokapis.com": "http://127.0.0.1:9100/tiktok"}),
    }  # fmt: skip
    result = manage("check", "--deploy", database=mongo_db.name, env=env)
    assert "oauth.W001" in result.stderr + result.stdout


def test_malformed_origin_overrides_stop_start_up_in_one_line(manage, mongo_db):
    result = manage("check", database=mongo_db.name, env={"OAUTH_ORIGIN_OVERRIDES": "not json"})
    assert result.returncode == 1
    assert result.stderr == "configuration error: OAUTH_ORIGIN_OVERRIDES must be a JSON object\n"


# --- Which app a connection goes through ---------------------------------------------


def test_a_credential_naming_its_own_app_uses_it(db, monkeypatch):
    from oauth.app_credentials import app_credentials
    from tests.factories import FACTORIES

    monkeypatch.setenv("TIKTOK_OAUTH_CLIENT_ID", "default-key")
    monkeypatch.setenv("TIKTOK_OAUTH_CLIENT_SECRET", "default-secret")
    own = FACTORIES["tiktok"](client_key="own-key", client_secret="own-secret")
    assert app_credentials(REGISTRY["tiktok"], own) == AppCredentials("own-key", "own-secret")
    assert app_credentials(REGISTRY["tiktok"], FACTORIES["tiktok"]()) == AppCredentials("default-key", "default-secret")


def test_no_app_anywhere_says_what_to_set(monkeypatch):
    from oauth.app_credentials import AppNotConfigured, app_credentials

    monkeypatch.delenv("FACEBOOK_OAUTH_CLIENT_ID", raising=False)
    with pytest.raises(AppNotConfigured) as failure:
        app_credentials(REGISTRY["facebook"])
    assert str(failure.value) == (
        "No Facebook app is configured: set FACEBOOK_OAUTH_CLIENT_ID and FACEBOOK_OAUTH_CLIENT_SECRET, "
        "or the credential's own app_id and app_secret."
    )
