"""X's legacy OAuth 1.0a: request token, authorize, access token, with HMAC-SHA1 signatures verified for real."""

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from authlib.oauth1.rfc5849.errors import OAuth1Error
from authlib.oauth1.rfc5849.signature import generate_signature_base_string, hmac_sha1_signature
from authlib.oauth1.rfc5849.wrapper import OAuth1Request

from ..accounts import accounts
from ..clients import OAUTH1_CONSUMER
from ..pages import consent_page, refusal_page, verifier_page
from ..web import Refusal, Route, form_answer, html_answer, json_answer, redirect

HOST = "api.x.com"
REQUEST_TOKEN_LIFETIME = 900
TIMESTAMP_SKEW = 300  # seconds a signed request's oauth_timestamp may be off


@dataclass(eq=False)
class RequestToken:
    token: str
    secret: str
    callback: str
    created: float
    verifier: str | None = None
    account: dict | None = None
    used: bool = False


@dataclass(eq=False)
class AccessToken:
    token: str
    secret: str
    account: dict
    revoked: bool = False


class XOAuth1:
    key = "x-oauth1"
    title = "X"
    platform = "twitter"
    account_key = "id"

    def __init__(self, emulator):
        self.knobs = emulator.knobs
        self._lock = threading.Lock()
        self._request_tokens = {}
        self._access_tokens = {}
        self._nonces = {}

    def routes(self):
        def route(method, pattern, handler, kind):
            return Route(method, HOST, pattern, handler, kind, self)

        return [
            route("POST", r"/oauth/request_token", self.request_token, "oauth"),
            route("GET", r"/oauth/(?:authorize|authenticate)", self.authorize, "page"),
            route("POST", r"/oauth/(?:authorize|authenticate)", self.decide, "page"),
            route("POST", r"/oauth/access_token", self.access_token, "oauth"),
            route("POST", r"/1\.1/oauth/invalidate_token(?:\.json)?", self.invalidate, "api"),
            route("GET", r"/1\.1/account/verify_credentials\.json", self.verify_credentials, "api"),
        ]

    def render(self, refusal, kind):
        if kind == "page":
            return html_answer(refusal_page(self.title, refusal.description), refusal.status)
        # The v1.1 API's error shape, which its OAuth endpoints share.
        return json_answer({"errors": [{"code": refusal.error, "message": refusal.description}]}, refusal.status)

    def accounts(self):
        return accounts(self.platform)

    def connected_apps(self):
        """Each OAuth 1.0a access token, as the person's settings page lists the app it was given to."""

        def revoke(access):
            access.revoked = True

        return [
            (f"{self.title} (OAuth 1.0a): @{access.account['username']}", "legacy app", "", access.revoked,
             lambda access=access: revoke(access))
            for access in list(self._access_tokens.values())
        ]  # fmt: skip

    # --- Signatures -----------------------------------------------------------------------------

    def signed(self, request, secret_of_token):
        """The verified OAuth1Request; `secret_of_token(token)` gives the token secret (None: unknown token)."""
        body = request.body.decode("utf-8", "replace") if request.form_lists else None
        headers = {"Authorization": request.header("Authorization")}
        try:
            signed = OAuth1Request(request.method, request.url, body, headers)
        except (ValueError, OAuth1Error):
            raise Refusal(401, 32, "Could not authenticate you.") from None
        if signed.client_id != OAUTH1_CONSUMER[0] or signed.signature_method != "HMAC-SHA1" or not signed.signature:
            raise Refusal(401, 32, "Could not authenticate you.")
        try:
            timestamp = int(signed.timestamp or "")
        except ValueError:
            raise Refusal(401, 32, "Could not authenticate you.") from None
        if abs(time.time() - timestamp) > TIMESTAMP_SKEW:
            raise Refusal(401, 135, "Timestamp out of bounds.")
        token_secret = ""
        if signed.token:
            token_secret = secret_of_token(signed.token)
            if token_secret is None:
                raise Refusal(401, 89, "Invalid or expired token.")
        expected = hmac_sha1_signature(generate_signature_base_string(signed), OAUTH1_CONSUMER[1], token_secret)
        if not hmac.compare_digest(expected, signed.signature):
            raise Refusal(401, 32, "Could not authenticate you.")
        nonce = signed.oauth_params.get("oauth_nonce")
        with self._lock:
            # A nonce is good once; the timestamp check bounds how long they need remembering.
            self._nonces = {n: t for n, t in self._nonces.items() if t > time.time() - 2 * TIMESTAMP_SKEW}
            if not nonce or nonce in self._nonces:
                raise Refusal(401, 32, "Could not authenticate you.")
            self._nonces[nonce] = timestamp
        return signed

    def live_request_token(self, token):
        found = self._request_tokens.get(token)
        if found is None or found.used or time.time() - found.created > REQUEST_TOKEN_LIFETIME:
            return None
        return found

    def live_access_token(self, token):
        found = self._access_tokens.get(token)
        return None if found is None or found.revoked else found

    # --- The three legs -----------------------------------------------------------------------------

    def token_call(self, request):
        """Record a token-endpoint call; a queued failure (fail_next) answers it instead."""
        self.knobs.record((self.platform,), request)
        return self.knobs.take_failure((self.platform,))

    def request_token(self, request):
        failure = self.token_call(request)
        if failure is not None:
            return failure
        signed = self.signed(request, lambda token: None)
        callback = signed.redirect_uri
        if not callback:
            raise Refusal(400, 215, "Bad Authentication data: oauth_callback is required")
        if callback != "oob" and not callback.startswith(("http://", "https://")):
            raise Refusal(403, 415, "Callback URL not approved for this client application.")
        issued = RequestToken(secrets.token_urlsafe(24), secrets.token_urlsafe(32), callback, time.time())
        with self._lock:
            self._request_tokens[issued.token] = issued
        return form_answer(
            [("oauth_token", issued.token), ("oauth_token_secret", issued.secret), ("oauth_callback_confirmed", "true")]
        )

    def authorize(self, request):
        issued = self.live_request_token(request.query.get("oauth_token"))
        if issued is None or issued.verifier:
            raise Refusal(400, 89, "This page is no longer valid: the request token is unknown, used or expired.")
        return html_answer(
            consent_page(
                platform_title=self.title,
                client_id=OAUTH1_CONSUMER[0],
                action=request.served_path,
                hidden={"oauth_token": issued.token},
                accounts=[(a["id"], f"@{a['username']} ({a['id']})") for a in self.accounts()],
                scopes=(),
                permissions_text="Read and write, as the app is set (OAuth 1.0a asks for no scopes).",
                redirect_uri=issued.callback,
            )
        )

    def decide(self, request):
        issued = self.live_request_token(request.form.get("oauth_token"))
        if issued is None or issued.verifier:
            raise Refusal(400, 89, "This page is no longer valid: the request token is unknown, used or expired.")
        if request.form.get("decision") != "allow":
            issued.used = True
            return redirect(issued.callback, {"denied": issued.token})
        account = next((a for a in self.accounts() if a["id"] == request.form.get("account")), None)
        if account is None:
            raise Refusal(400, 32, "No such account")
        issued.account, issued.verifier = account, secrets.token_urlsafe(24)
        if issued.callback == "oob":
            return html_answer(verifier_page(self.title, issued.verifier))
        return redirect(issued.callback, {"oauth_token": issued.token, "oauth_verifier": issued.verifier})

    def access_token(self, request):
        failure = self.token_call(request)
        if failure is not None:
            return failure
        signed = self.signed(request, lambda token: getattr(self.live_request_token(token), "secret", None))
        verifier = dict(signed.params).get("oauth_verifier")
        with self._lock:
            issued = self.live_request_token(signed.token)
            if issued is None or not issued.verifier or not hmac.compare_digest(issued.verifier, verifier or ""):
                raise Refusal(401, 89, "Invalid or expired token.")
            issued.used = True  # a request token buys one access token
            # X's access tokens start with the user's id.
            token = f"{issued.account['id']}-{secrets.token_urlsafe(24)}"
            access = AccessToken(token, secrets.token_urlsafe(32), issued.account)
            self._access_tokens[access.token] = access
        user = access.account
        return form_answer(
            [
                ("oauth_token", access.token),
                ("oauth_token_secret", access.secret),
                ("user_id", user["id"]),
                ("screen_name", user["username"]),
            ]
        )

    def signed_with_access_token(self, request):
        signed = self.signed(request, lambda token: getattr(self.live_access_token(token), "secret", None))
        if not signed.token:
            raise Refusal(401, 89, "Invalid or expired token.")
        return self._access_tokens[signed.token]

    def invalidate(self, request):
        access = self.signed_with_access_token(request)
        access.revoked = True
        return json_answer({"access_token": access.token})

    def verify_credentials(self, request):
        user = self.signed_with_access_token(request).account
        return json_answer(
            {"id": int(user["id"]), "id_str": user["id"], "name": user["name"], "screen_name": user["username"]}
        )
