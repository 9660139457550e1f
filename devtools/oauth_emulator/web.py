"""The emulator's HTTP vocabulary: a parsed request, an answer, a refusal, a route."""

import base64
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit


@dataclass
class Request:
    method: str
    host: str  # the emulated origin's host, e.g. "graph.facebook.com"
    path: str  # the path on that host, e.g. "/v24.0/me"
    served_path: str  # the path as the emulator serves it, e.g. "/graph.facebook.com/v24.0/me"
    url: str  # the whole URL the client called: OAuth 1.0a signs it
    headers: dict  # as sent
    query: dict  # the first value of each parameter
    form: dict  # the same, from an application/x-www-form-urlencoded body
    form_lists: dict = field(default_factory=dict)  # every value (the consent form's ticked scopes)
    body: bytes = b""

    def header(self, name, default=None):
        lowered = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lowered), default)

    def basic_auth(self):
        """(user, password) from an HTTP Basic Authorization header, or None."""
        scheme, _, encoded = (self.header("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:
            return None
        # RFC 6749 2.3.1: the client id and secret are form-encoded before joining.
        return unquote(user.replace("+", " ")), unquote(password.replace("+", " "))

    def bearer(self):
        scheme, _, token = (self.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


def parse_request(method, raw_path, headers, body):
    """A Request from what http.server read; None when the path names no host."""
    parts = urlsplit(raw_path)
    host, _, rest = parts.path.lstrip("/").partition("/")
    query_lists = parse_qs(parts.query, keep_blank_values=True)
    form_lists = {}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        form_lists = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    host_header = next((v for k, v in headers.items() if k.lower() == "host"), "localhost")
    return Request(
        method=method,
        host=host,
        path="/" + rest,
        served_path=parts.path,
        url=f"http://{host_header}{raw_path}",
        headers=headers,
        query={key: values[0] for key, values in query_lists.items()},
        form={key: values[0] for key, values in form_lists.items()},
        form_lists=form_lists,
        body=body,
    )


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple = ()  # extra (name, value) pairs


def json_answer(data, status=200, headers=()):
    # Token answers must not be cached (RFC 6749 5.1); nothing the emulator says should be.
    extra = (("Cache-Control", "no-store"), *headers)
    return Response(status, json.dumps(data).encode(), "application/json; charset=utf-8", extra)


def form_answer(pairs, status=200):
    no_store = (("Cache-Control", "no-store"),)
    return Response(status, urlencode(pairs).encode(), "application/x-www-form-urlencoded", no_store)


def html_answer(text, status=200):
    return Response(status, text.encode(), "text/html; charset=utf-8", (("Cache-Control", "no-store"),))


def redirect(url, params):
    """A 302 to `url` with `params` (None values left out) added to its query."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    pairs = [(key, value) for key, values in query.items() for value in values]
    pairs += [(key, value) for key, value in params.items() if value is not None]
    return Response(302, b"", None, (("Location", urlunsplit(parts._replace(query=urlencode(pairs)))),))


class Refusal(Exception):
    """A request the platform refuses; the family renders it in the platform's error shape.

    `error` is the platform's code: an RFC 6749 string ("invalid_grant"), or a number where the
    platform answers numbers (Facebook's 100/190, X OAuth 1.0a's 32/89, Reddit's HTTP status).
    """

    def __init__(self, status, error, description="", **extra):
        super().__init__(description or str(error))
        self.status = status
        self.error = error
        self.description = description
        self.extra = extra


@dataclass
class Route:
    method: str
    host: str
    pattern: str  # a regular expression the whole path must match; named groups become arguments
    handler: object  # handler(request, **groups) -> Response
    kind: str  # "page" (a browser's: HTML errors), "oauth" (token endpoints) or "api" (identity)
    family: object  # renders its refusals

    def match(self, host, path):
        return re.fullmatch(self.pattern, path) if host == self.host else None
