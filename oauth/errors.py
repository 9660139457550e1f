"""What a platform answered, as a short reason staff can read, and whether to try again.

Platforms answer errors in their own shapes: RFC 6749's `error` / `error_description`
(TikTok adds `log_id`), Facebook's `{"error": {"message", "type", "code"}}`, or an HTML page
from a proxy. A timeout, a connection error, a 5xx or a 429 is transient: the token may be
fine. Anything else the platform refused is not.
"""

import json

import requests

REASON_LENGTH = 200


class OAuthFailure(Exception):
    """A call to a platform failed; `str()` is safe to show and log (never a token)."""

    def __init__(self, reason, *, code=None, status=None, transient=False, retry_after=None):
        super().__init__(reason)
        self.reason = reason
        self.code = code  # the platform's error code, e.g. "invalid_grant"
        self.status = status  # the HTTP status, if one came back
        self.transient = transient
        self.retry_after = retry_after  # seconds, from a 429's Retry-After


def _short(text):
    text = " ".join(str(text).split())
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def _error_fields(body):
    """(code, description) from the shapes platforms use."""
    error = body.get("error")
    if isinstance(error, dict):  # Facebook / Instagram Graph
        return str(error.get("code") or error.get("type") or "error"), error.get("message")
    if error:
        return str(error), body.get("error_description") or body.get("message")
    return None, body.get("message") or body.get("error_description")


def from_response(response):
    """The OAuthFailure for an HTTP answer that is not a success."""
    status = response.status_code
    try:
        code, description = _error_fields(response.json())
    except (ValueError, AttributeError):
        code, description = None, None
    transient = status >= 500 or status == 429
    retry_after = response.headers.get("Retry-After")
    what = f"{code}: {description}" if code and description else code or description or f"HTTP {status}"
    # A refusal inside a 200 (Reddit's way) would read as a success with its status beside it.
    return OAuthFailure(
        _short(f"{what} (HTTP {status})" if status >= 400 else what),
        code=code,
        status=status,
        transient=transient,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
    )


def from_network(exc, url):
    """The OAuthFailure for a call that got no answer at all: always transient."""
    kind = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
    host = requests.utils.urlparse(url).netloc
    return OAuthFailure(f"{kind} to {host}", transient=True)


def _is_error(error):
    # TikTok's API answers every success with "error": {"code": "ok", ...}.
    return bool(error) and not (isinstance(error, dict) and error.get("code") == "ok")


def ensure_success(response):
    """Raise the OAuthFailure for an error answer; a 200 carrying `error` counts too."""
    if response.status_code >= 400:
        raise from_response(response)
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return response
    if isinstance(body, dict) and _is_error(body.get("error")):
        raise from_response(response)
    return response
