"""The platform emulator's public API: start it, point the console at it, consent as a person, turn knobs."""

import json
import threading
from urllib.parse import urlsplit

from . import accounts as _accounts
from .browser import ConsentPageError, answer_consent
from .clients import CLIENTS, OAUTH1_CONSUMER, PLATFORM_KEYS, app_environment
from .oauth2 import OAuth2Family
from .server import Emulator, EmulatorServer, origin_overrides
from .web import Response, json_answer

__all__ = [
    "CLIENTS",
    "OAUTH1_CONSUMER",
    "PLATFORM_KEYS",
    "ConsentPageError",
    "RunningEmulator",
    "app_environment",
    "origin_overrides_for",
    "start_emulator",
]


def origin_overrides_for(base_url):
    """OAUTH_ORIGIN_OVERRIDES for an emulator at base_url (running or not)."""
    return origin_overrides(base_url, Emulator().hosts)


class RunningEmulator:
    """A serving emulator, its knobs for tests, and a person's hand at its consent pages.

        emulator = start_emulator()                    # a free port, served in a daemon thread
        settings.OAUTH_ORIGIN_OVERRIDES = emulator.origin_overrides()
        callback = emulator.consent(authorize_url)     # Allow: the callback URL with code and state

    Everything lives in memory; `python manage.py oauth_emulator` serves one in the foreground.
    """

    def __init__(self, server, thread):
        self._server = server
        self._thread = thread
        self._emulator = server.emulator
        self.base_url = server.base_url

    def origin_overrides(self):
        """Each real origin -> base_url/<host>: the JSON object OAUTH_ORIGIN_OVERRIDES takes."""
        return origin_overrides(self.base_url, self._emulator.hosts)

    def origin_overrides_json(self):
        return json.dumps(self.origin_overrides(), sort_keys=True)

    def app_environment(self):
        """<KEY>_OAUTH_CLIENT_ID / _SECRET for the seven emulated apps."""
        return app_environment()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- A person at the consent page ---------------------------------------------------------------

    def local_url(self, url):
        """A real platform URL (https://x.com/...) as served here; an emulator URL unchanged."""
        for real, local in self.origin_overrides().items():
            if url.startswith(real + "/") or url == real:
                return local + url[len(real) :]
        return url

    def consent(self, authorize_url, *, allow=True, account=None, scopes=None):
        """GET the consent page at authorize_url, submit Allow or Deny, return the redirect's Location.

        `account`: None (the first account), an index, an account's id, or an account dict from
        `.accounts()`; `scopes`: the scopes to grant (default: all asked).
        """
        url = self.local_url(authorize_url)
        if isinstance(account, dict):
            account = account[self._family_at(url).account_key]
        return answer_consent(url, allow=allow, account=account, scopes=scopes)

    def consent_oauth1(self, authorize_url, *, allow=True, account=None):
        """The same for X OAuth 1.0a: the callback with oauth_token and oauth_verifier (or denied=)."""
        url = self.local_url(authorize_url)
        if isinstance(account, dict):
            account = account["id"]
        return answer_consent(url, allow=allow, account=account, scopes=None)

    def _family_at(self, url):
        parts = urlsplit(url)
        host, _, rest = parts.path.lstrip("/").partition("/")
        route, _ = self._emulator.route_for("GET", host, "/" + rest)
        if route is None:
            raise ConsentPageError(f"{url} is no authorize URL of the emulator")
        return route.family

    # --- Knobs for tests ----------------------------------------------------------------------------

    def omit_refresh_token(self, platform_key, on=True):
        """Token answers for this platform leave out refresh_token (as on a reconnect that sends none)."""
        _check(platform_key)
        knobs = self._emulator.knobs
        with knobs.lock:
            (knobs.omit_refresh.add if on else knobs.omit_refresh.discard)(platform_key)

    def fail_next(self, platform_key, status, body, headers=()):
        """The next token-endpoint call for this platform answers `status` with `body` (a dict is
        JSON) and extra `headers` ((name, value) pairs, e.g. Retry-After)."""
        _check(platform_key)
        if isinstance(body, dict | list):
            answer = json_answer(body, status, tuple(headers))
        else:
            text = body.encode() if isinstance(body, str) else bytes(body)
            answer = Response(status, text, "text/plain; charset=utf-8", tuple(headers))
        knobs = self._emulator.knobs
        with knobs.lock:
            knobs.failures.setdefault(platform_key, []).append(answer)

    def requests_seen(self, platform_key):
        """Requests at this platform's token and revocation endpoints, oldest first.

        Each is a dict: "method", "host" and "path" (the platform's, e.g. "api.x.com" and
        "/2/oauth2/token"), and "headers", "query", "form" (dicts, first value of each name).
        """
        _check(platform_key)
        knobs = self._emulator.knobs
        with knobs.lock:
            return list(knobs.seen.get(platform_key, []))

    def forget_requests(self, platform_key=None):
        knobs = self._emulator.knobs
        with knobs.lock:
            if platform_key is None:
                knobs.seen.clear()
            else:
                knobs.seen.pop(platform_key, None)

    def accounts(self, platform_key):
        """The platform's fake accounts (a copy), in the consent page's order."""
        _check(platform_key)
        return _accounts.accounts(platform_key)

    def set_latency(self, seconds):
        """Every answer waits `seconds` first, as a distant platform's would (the benchmark's 50 ms)."""
        self._emulator.knobs.latency = seconds

    def cap_access_lifetime(self, seconds):
        """Demos and tests: every access token that can be renewed lives at most `seconds` (None: as the
        platform's), so a refresher is seen keeping credentials alive within minutes."""
        self._emulator.knobs.access_lifetime_cap = seconds

    def mint_tokens(self, platform_key, count, account=0, scopes=None):
        """Development only (benchmarks): `count` token answers for this platform's emulated app, as
        many consents of `account` and their code exchanges would give, written to the same store
        (so they refresh, rotate, revoke and expire as any), without pages or HTTP.

        `account`: an index, an account's id or an account dict from `.accounts()`; `scopes`: the
        scopes granted (default: every scope the platform knows, offline access included).
        Each answer is the token endpoint's JSON for a code exchange, as a dict.
        """
        _check(platform_key)
        family = next(
            family
            for family in self._emulator.families
            if isinstance(family, OAuth2Family) and platform_key in family.platforms
        )
        known = family.accounts()
        if isinstance(account, int):
            chosen = known[account]
        else:
            wanted = account[family.account_key] if isinstance(account, dict) else account
            chosen = next((a for a in known if a[family.account_key] == wanted), None)
            if chosen is None:
                raise ValueError(f"{platform_key} has no account {wanted!r}")
        if scopes is None:
            scopes = sorted(family.known_scopes)
        unknown = [scope for scope in scopes if scope not in family.known_scopes]
        if unknown:
            raise ValueError(f"{platform_key} knows no scope {unknown[0]!r}")
        return family.mint(platform_key, chosen, tuple(scopes), count)

    def advance_clock(self, seconds):
        """Move the emulator's clock forward: codes (10 min) and tokens expire without waiting."""
        self._emulator.store.advance_clock(seconds)


def _check(platform_key):
    if platform_key not in CLIENTS:
        raise ValueError(f"unknown platform {platform_key!r}; the platforms are {', '.join(CLIENTS)}")


def start_emulator(host="127.0.0.1", port=0, *, log=None):
    """Serve the emulator in a daemon thread; port 0 picks a free one. `log(line)` gets one line per request.

    Raises OSError when the port is taken.
    """
    server = EmulatorServer((host, port), Emulator(), log=log)
    thread = threading.Thread(target=server.serve_forever, name="oauth-emulator", daemon=True)
    thread.start()
    return RunningEmulator(server, thread)
