"""What a failed call to a platform means: the token is dead (a person must reconnect), or try again later."""

import random
from dataclasses import dataclass

# The platform refused the grant itself: retrying cannot help. RFC 6749's codes, RFC 6750's
# invalid_token, and Facebook's code 190 (the token is invalid or expired).
DEAD_CODES = frozenset(
    {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope", "invalid_token", "access_denied", "190"}
)
# What a dead verdict means, in staff's words, before the platform's own reason.
DEAD_MEANS = {
    "invalid_grant": "the platform no longer accepts the refresh token (access removed, revoked or expired)",
    "invalid_token": "the platform refused the token (revoked or expired)",
    "190": "the platform refused the token (revoked, expired, or the password changed)",
    "invalid_client": "the platform refused the app's own credentials",
    "unauthorized_client": "the platform does not let this app renew tokens",
    "invalid_scope": "the grant lacks a scope it needs",
    "access_denied": "the account's owner denied access",
}
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600


@dataclass(frozen=True)
class Verdict:
    dead: bool
    code: str
    reason: str
    retry_in: float | None  # seconds, for a failure that may pass


def classify(failure, failures_before):
    """`failure`: an oauth.errors.OAuthFailure; `failures_before`: consecutive failures until now."""
    code = failure.code or (f"http_{failure.status}" if failure.status else "network")
    if not failure.transient and (failure.code in DEAD_CODES or failure.status == 401):
        means = DEAD_MEANS.get(failure.code, "the platform refused the token")
        return Verdict(True, code, f"{means}: {failure.reason}", None)
    # A timeout, a 5xx, a 429, or a refusal we cannot place: never a dead token on its own.
    return Verdict(False, code, failure.reason, backoff(failures_before + 1, failure.retry_after))


def backoff(failures, retry_after=None):
    """Exponential from a minute, capped at an hour, with jitter so that workers spread out;
    never sooner than the platform's Retry-After."""
    delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, failures - 1))
    delay *= random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0)
