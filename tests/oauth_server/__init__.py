"""Runs tests/oauth_server/server.mjs, a real OAuth 2.0 authorization server, for the tests.

The server is npm `oidc-provider` (pinned in package.json, installed by `make install`): it
requires PKCE S256, rotates refresh tokens and revokes the whole grant when a spent one is
replayed, and answers RFC 7009 revocation. Login and consent are automatic, for account
"account-1". Tests get it through the session-scoped `oauth_server` fixture in tests/conftest.py;
`start_oauth_server()` starts another with its own settings (redirect URIs, token lifetime).
"""

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
SERVER_SCRIPT = Path(__file__).resolve().parent / "server.mjs"

# Fixed in server.mjs: name -> (client_id, client_secret, token_endpoint_auth_method).
CLIENTS = {
    "basic": ("console-test-basic", "console-test-basic-secret", "client_secret_basic"),
    "post": ("console-test-post", "console-test-post-secret", "client_secret_post"),
}
# Nothing listens there: `authorize()` stops at the redirect and never requests it.
REDIRECT_URI = "http://127.0.0.1/connect/callback/test/"
# What the Django test client's requests build with request.build_absolute_uri().
TESTSERVER_REDIRECT_URI = "http://testserver/connect/callback/test/"

STARTUP_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 10


@dataclass
class OAuthServer:
    """A running server: its endpoints (from its discovery document), clients and redirect URI."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    introspection_endpoint: str
    clients: dict
    redirect_uri: str
    redirect_uris: tuple = field(default=())

    def authorize(self, url, max_redirects=10):
        """Follow the provider's own redirects from an authorize URL, as a browser would.

        Returns the query of the first redirect that leaves the provider (to a redirect URI) as
        a dict: `code`, `state` and `iss` on success, or `error`, `error_description`. Fails
        the test if the provider answers with a page instead (e.g. an unregistered redirect_uri,
        which it must not redirect to).
        """
        browser = requests.Session()  # keeps the provider's interaction cookies between hops
        for _ in range(max_redirects):
            answer = browser.get(url, allow_redirects=False, timeout=REQUEST_TIMEOUT_S)
            if answer.status_code not in (302, 303) or "Location" not in answer.headers:
                pytest.fail(f"the OAuth server answered {answer.status_code} to {url}: {answer.text[:500]}")
            url = urljoin(url, answer.headers["Location"])
            if not url.startswith(self.issuer + "/"):
                return dict(parse_qsl(urlsplit(url).query))
        pytest.fail(f"the OAuth server redirected more than {max_redirects} times")


def _missing_install():
    if shutil.which("node") is None:
        return "node is not on PATH (Node.js 20 or later is needed for tests/oauth_server): run make install"
    if not (PROJECT_DIR / "node_modules" / "oidc-provider").is_dir():
        return "node_modules/oidc-provider is missing: run make install (or npm ci if .venv is already built)"
    return None


@contextmanager
def start_oauth_server(redirect_uris=(REDIRECT_URI, TESTSERVER_REDIRECT_URI), access_token_ttl=3600):
    """Start server.mjs on a free loopback port, yield an OAuthServer, stop it afterwards."""
    if problem := _missing_install():
        pytest.fail(problem)
    environment = {
        **os.environ,
        "OAUTH_PORT": "0",
        "OAUTH_REDIRECT_URIS": " ".join(redirect_uris),
        "OAUTH_ACCESS_TOKEN_TTL": str(access_token_ttl),
    }
    # Output goes to a file, not a pipe nobody reads once it is up: a full pipe would stall it.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            ["node", str(SERVER_SCRIPT)], cwd=PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            issuer = _wait_until_listening(process, log)
            discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=REQUEST_TIMEOUT_S).json()
            yield OAuthServer(
                issuer=discovery["issuer"],
                authorization_endpoint=discovery["authorization_endpoint"],
                token_endpoint=discovery["token_endpoint"],
                revocation_endpoint=discovery["revocation_endpoint"],
                introspection_endpoint=discovery["introspection_endpoint"],
                clients=dict(CLIENTS),
                redirect_uri=redirect_uris[0],
                redirect_uris=tuple(redirect_uris),
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(process, log):
    """The issuer from the server's `listening http://127.0.0.1:PORT` line."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        log.seek(0)
        for line in log.read().splitlines():
            if line.startswith("listening "):
                return line.removeprefix("listening ").strip()
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    output = log.read()
    state = f"exited with {process.returncode}" if process.poll() is not None else f"silent for {STARTUP_TIMEOUT_S} s"
    pytest.fail(f"tests/oauth_server/server.mjs {state}; its output:\n{output}")
