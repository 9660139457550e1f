"""The emulator's memory: grants and the codes and tokens issued from them, and the test knobs."""

import secrets
import threading
import time
from dataclasses import dataclass, field

CODE_LIFETIME = 600  # seconds: authorization codes live ten minutes, as on the real platforms


@dataclass(eq=False)
class Grant:
    """What one person allowed one app on one consent page; every token descends from one."""

    family: str  # the emulated platform family, e.g. "facebook" (serving facebook and instagram apps)
    platform: str  # the registry key of the app's platform, e.g. "instagram"
    client_id: str
    account: dict
    scopes: tuple  # as granted (the ticked boxes), in the order asked
    asked: tuple  # as asked
    redirect_uri: str
    code_challenge: str | None = None
    offline: bool = False  # refresh tokens are issued
    revoked: bool = False  # revoking the grant kills every token from it


@dataclass(eq=False)
class Token:
    value: str
    kind: str  # "code", "access", "refresh" or "page" (a Facebook Page token)
    grant: Grant
    lifetime: int | None  # seconds; None never expires
    expires_at: float | None
    long_lived: bool = False  # a Facebook long-lived user token
    page: dict | None = None  # the Page a Page token speaks for
    spent: bool = False  # a used code, a rotated refresh token
    revoked: bool = False

    def alive(self, now):
        if self.spent or self.revoked or self.grant.revoked:
            return False
        return self.expires_at is None or now < self.expires_at


class Store:
    """Every code, token and pending consent, in memory; one lock keeps threads consistent."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens = {}
        self._consents = {}
        self._clock_offset = 0.0

    def now(self):
        return time.time() + self._clock_offset

    def advance_clock(self, seconds):
        """Move the emulator's time forward: codes and tokens expire without waiting."""
        with self._lock:
            self._clock_offset += seconds

    def issue(self, kind, grant, lifetime, *, prefix="", **attributes):
        value = prefix + secrets.token_urlsafe(32)
        expires_at = None if lifetime is None else self.now() + lifetime
        token = Token(value, kind, grant, lifetime, expires_at, **attributes)
        with self._lock:
            self._tokens[value] = token
        return token

    def find(self, value, kinds, family):
        """The token with this value, of one of `kinds`, issued by `family`; alive or not."""
        token = self._tokens.get(value) if value else None
        if token is None or token.kind not in kinds or token.grant.family != family:
            return None
        return token

    def spend(self, token):
        """Mark a code or refresh token used; False if another request used it first."""
        with self._lock:
            if token.spent:
                return False
            token.spent = True
            return True

    def revoke(self, token):
        with self._lock:
            token.revoked = True

    def grants(self, family):
        """The grants `family` issued tokens from, oldest first (a person's "connected apps")."""
        with self._lock:
            found = {id(token.grant): token.grant for token in self._tokens.values() if token.grant.family == family}
        return list(found.values())

    def revoke_grants(self, matches):
        """Revoke every grant `matches(grant)` accepts, and so every token issued from it."""
        with self._lock:
            for token in self._tokens.values():
                if matches(token.grant):
                    token.grant.revoked = True

    def park_consent(self, pending):
        """Keep an authorize request while its consent page is shown; the id goes in the form."""
        consent_id = secrets.token_urlsafe(16)
        with self._lock:
            self._consents[consent_id] = pending
        return consent_id

    def take_consent(self, consent_id):
        """The parked request, once: a consent page is answered only once."""
        with self._lock:
            return self._consents.pop(consent_id or "", None)


@dataclass
class Knobs:
    """What tests switch on a running emulator, per platform key."""

    omit_refresh: set = field(default_factory=set)
    failures: dict = field(default_factory=dict)  # platform -> [(status, body)], next first
    seen: dict = field(default_factory=dict)  # platform -> [request dicts], oldest first
    latency: float = 0.0  # seconds every answer waits, as a platform far away would (benchmarks)
    # Demos: a renewable access token lives at most this many seconds, so renewals show within minutes.
    access_lifetime_cap: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, platforms, request):
        """Keep a token or revocation request's shape, for tests to assert (in memory only)."""
        seen = {
            "method": request.method,
            "host": request.host,  # the platform's, e.g. "api.x.com"
            "path": request.path,  # on that host, e.g. "/2/oauth2/token"
            "headers": dict(request.headers),
            "query": dict(request.query),
            "form": dict(request.form),
        }
        with self.lock:
            for platform in platforms:
                self.seen.setdefault(platform, []).append(seen)

    def take_failure(self, platforms):
        with self.lock:
            for platform in platforms:
                queued = self.failures.get(platform)
                if queued:
                    return queued.pop(0)
        return None
