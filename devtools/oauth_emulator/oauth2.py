"""A platform's OAuth 2.0 authorization server, written once; each platform module says how it differs."""

import base64
import hashlib
import hmac
import re

from .accounts import accounts
from .clients import CLIENTS, platform_of
from .pages import consent_page, refusal_page
from .state import CODE_LIFETIME, Grant
from .web import Refusal, Route, html_answer, json_answer, redirect

PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# What an app asking for offline access sends at authorize (Google's access_type, Reddit's
# duration; X asks with the offline.access scope instead): minted grants issue refresh tokens.
MINT_OFFLINE_PARAMS = {"access_type": "offline", "duration": "permanent"}


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def account_label(account):
    """How a person's settings page names the account: a handle, a name, or at least its id."""
    return account.get("username") or account.get("name") or account.get("title") or account.get("id") or "?"


class OAuth2Family:
    """The authorization server of one platform family, serving the apps of one or more registry
    platforms (Facebook's serves facebook and instagram apps).

    GET authorize shows the consent page and its POST redirects with a code; the token endpoint
    exchanges the code (and refreshes); identity endpoints answer for a Bearer token; revocation
    kills tokens. Class attributes and the hook methods are what a platform changes.
    """

    key = ""  # e.g. "google"
    title = ""  # shown as "Emulated <title>"
    platforms = ()  # registry keys whose apps it serves; the first owns its accounts
    account_key = "id"  # the field naming an account (the consent form's value)
    authorize_at = ("", "")  # (host, path pattern)
    token_at = ("", "")
    token_method = "POST"
    revoke_at = None
    client_id_param = "client_id"  # TikTok's is client_key
    client_auth = ("form",)  # where the token endpoint takes the client's id and secret: form, basic, query
    scope_separator = " "
    answer_scope_separator = " "  # how the token answer lists the granted scopes
    known_scopes = frozenset()  # an unknown one (often a wrong separator) is refused at authorize
    pkce_required = False
    state_required = False
    denial = {"error": "access_denied"}  # the redirect's parameters when the person denies
    access_lifetime = 3600
    refresh_lifetime = None  # None: until revoked
    refreshes = True  # the platform issues refresh tokens at all
    renews_access = True  # its access tokens can be renewed (refreshed or exchanged), so a demo may shorten them
    # What a refresh does to the refresh token: None keeps it; "refuse-spent" rotates it and
    # refuses the spent one; "replay-revokes-grant" rotates it and a replayed spent one
    # revokes the whole grant (RFC 9700's refresh token replay detection).
    rotation = None
    revoking_access_revokes_grant = False  # Google, TikTok: revoking any token ends the grant
    token_prefixes = ("", "")  # (access, refresh), so tokens look like the platform's

    def __init__(self, emulator):
        self.store = emulator.store
        self.knobs = emulator.knobs

    # --- Hooks a platform overrides -------------------------------------------------------

    def check_authorize(self, params):
        """Platform-specific authorize checks; raise Refusal."""

    def issues_refresh_token(self, params, granted):
        return self.refreshes

    def redirect_params(self, grant):
        """Parameters the platform adds to the success redirect beside code and state."""
        return {}

    def token_answer(self, access, refresh):
        answer = {
            "access_token": access.value,
            "token_type": "Bearer",
            "expires_in": access.lifetime,
            "scope": self.answer_scope_separator.join(access.grant.scopes),
        }
        if refresh is not None:
            answer["refresh_token"] = refresh.value
        return answer

    def other_grant(self, grant_type, params, client_id):
        raise Refusal(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def oauth_error(self, refusal):
        """A refusal at a token or revocation endpoint, in RFC 6749's shape."""
        body = {"error": refusal.error}
        if refusal.description:
            body["error_description"] = refusal.description
        return json_answer(body, refusal.status)

    def api_error(self, refusal):
        """A refusal at an identity endpoint."""
        return self.oauth_error(refusal)

    def bad_client(self):
        return Refusal(401, "invalid_client", "Client authentication failed: unknown client or wrong secret")

    def missing_client(self, params):
        return Refusal(401, "invalid_client", f"{self.title} takes the client's credentials as: {self.client_auth}")

    def bad_code(self, why):
        return Refusal(400, "invalid_grant", why)

    def bad_refresh_token(self, why):
        return Refusal(400, "invalid_grant", why)

    def invalid_token(self):
        return Refusal(401, "invalid_token", "The access token is unknown, expired or revoked")

    def before(self, request):
        """Checks every request from the app (not the browser) must pass: Reddit's User-Agent."""

    def identity_routes(self):
        return []

    def revoke_client(self, request, params):
        """The client a revocation authenticates as (None: the platform asks for none)."""
        return self.authenticate(request, params)

    def revoke_params(self, request):
        return request.form

    def revoked_answer(self, found):
        return json_answer({})

    # --- Routes ----------------------------------------------------------------------------

    def route(self, method, at, handler, kind):
        host, pattern = at
        return Route(method, host, pattern, handler, kind, self)

    def routes(self):
        routes = [
            self.route("GET", self.authorize_at, self.authorize, "page"),
            self.route("POST", self.authorize_at, self.decide, "page"),
            self.route(self.token_method, self.token_at, self.token, "oauth"),
        ]
        if self.revoke_at:
            routes.append(self.route("POST", self.revoke_at, self.revoke, "oauth"))
        return routes + self.identity_routes()

    def render(self, refusal, kind):
        if kind == "page":
            return html_answer(refusal_page(self.title, refusal.description or str(refusal.error)), refusal.status)
        return self.oauth_error(refusal) if kind == "oauth" else self.api_error(refusal)

    def accounts(self):
        return accounts(self.platforms[0])

    def account_label(self, account):
        name = account.get("name") or account.get("title") or account.get("display_name")
        return f"{name} ({account[self.account_key]})"

    # --- Authorize: the consent page and its answer ----------------------------------------

    def authorize(self, request):
        params = request.query
        client_id = params.get(self.client_id_param)
        platform = platform_of(client_id)
        if platform not in self.platforms:
            raise Refusal(400, "invalid_client", f"Unknown app: {self.client_id_param}={client_id!r}")
        if params.get("response_type") != "code":
            raise Refusal(400, "unsupported_response_type", "response_type must be 'code'")
        redirect_uri = params.get("redirect_uri", "")
        if not re.match(r"https?://[^/?#]+", redirect_uri):
            raise Refusal(400, "invalid_request", "redirect_uri is missing or not an absolute http(s) URL")
        scopes = tuple(scope for scope in params.get("scope", "").split(self.scope_separator) if scope)
        if not scopes:
            raise Refusal(400, "invalid_scope", "scope is missing")
        unknown = [scope for scope in scopes if scope not in self.known_scopes]
        if unknown:
            raise Refusal(
                400,
                "invalid_scope",
                f"Unknown scope {unknown[0]!r} ({self.title} separates scopes with {self.scope_separator!r})",
            )
        if self.state_required and not params.get("state"):
            raise Refusal(400, "invalid_request", "state is required")
        challenge = params.get("code_challenge")
        if challenge or self.pkce_required:
            if not challenge:
                raise Refusal(400, "invalid_request", "code_challenge is required (PKCE)")
            if params.get("code_challenge_method") != "S256":
                raise Refusal(400, "invalid_request", "code_challenge_method must be S256")
        self.check_authorize(params)
        pending = {"platform": platform, "params": params, "scopes": scopes}
        hidden = {"consent": self.store.park_consent(pending)}
        return html_answer(
            consent_page(
                platform_title=self.title,
                client_id=client_id,
                action=request.served_path,
                hidden=hidden,
                accounts=[(account[self.account_key], self.account_label(account)) for account in self.accounts()],
                scopes=scopes,
                permissions_text="",
                redirect_uri=redirect_uri,
            )
        )

    def decide(self, request):
        pending = self.store.take_consent(request.form.get("consent"))
        if pending is None:
            raise Refusal(400, "invalid_request", "This consent page was already answered or never shown")
        params = pending["params"]
        redirect_uri, state = params["redirect_uri"], params.get("state")
        if request.form.get("decision") != "allow":
            return redirect(redirect_uri, {**self.denial, "state": state})
        chosen = request.form.get("account")
        account = next((a for a in self.accounts() if a[self.account_key] == chosen), None)
        if account is None:
            raise Refusal(400, "invalid_request", f"No such account: {chosen!r}")
        ticked = set(request.form_lists.get("scope", []))
        granted = tuple(scope for scope in pending["scopes"] if scope in ticked)
        grant = Grant(
            family=self.key,
            platform=pending["platform"],
            client_id=params[self.client_id_param],
            account=account,
            scopes=granted,
            asked=pending["scopes"],
            redirect_uri=redirect_uri,
            code_challenge=params.get("code_challenge"),
            offline=self.issues_refresh_token(params, granted),
        )
        code = self.store.issue("code", grant, CODE_LIFETIME)
        return redirect(redirect_uri, {"code": code.value, "state": state, **self.redirect_params(grant)})

    # --- The token endpoint ----------------------------------------------------------------

    def token_params(self, request):
        return request.query if self.token_method == "GET" else request.form

    def platforms_named(self, request, params):
        """The platforms a request is for (recording, knobs): its client's, or all when unknown."""
        basic = request.basic_auth()
        claimed = basic[0] if basic else params.get(self.client_id_param) or params.get("client_id")
        platform = platform_of(claimed)
        return (platform,) if platform in self.platforms else self.platforms

    def authenticate(self, request, params):
        """The client id, proven the way this platform takes it; else a Refusal."""
        basic = request.basic_auth()
        if basic and "basic" in self.client_auth:
            client_id, secret = basic
        elif {"form", "query"} & set(self.client_auth) and params.get(self.client_id_param):
            client_id, secret = params[self.client_id_param], params.get("client_secret")
        else:
            raise self.missing_client(params)
        platform = platform_of(client_id)
        if platform not in self.platforms or not hmac.compare_digest(CLIENTS[platform][1], secret or ""):
            raise self.bad_client()
        return client_id

    def token(self, request):
        params = self.token_params(request)
        platforms = self.platforms_named(request, params)
        self.knobs.record(platforms, request)
        failure = self.knobs.take_failure(platforms)
        if failure is not None:
            return failure
        self.before(request)
        client_id = self.authenticate(request, params)
        grant_type = self.grant_type(params)
        if grant_type == "authorization_code":
            access, refresh = self.exchange_code(params, client_id)
        elif grant_type == "refresh_token" and self.refreshes:
            access, refresh = self.refresh(params, client_id)
        else:
            access, refresh = self.other_grant(grant_type, params, client_id)
        return json_answer(self.token_answer(access, refresh))

    def grant_type(self, params):
        return params.get("grant_type")

    def exchange_code(self, params, client_id):
        code = self.store.find(params.get("code"), ("code",), self.key)
        if code is None or code.grant.client_id != client_id:
            raise self.bad_code("The authorization code is unknown or was issued to another client")
        if code.spent:
            raise self.bad_code("The authorization code was already used")
        if not code.alive(self.store.now()):
            raise self.bad_code("The authorization code expired")
        grant = code.grant
        if params.get("redirect_uri") != grant.redirect_uri:
            raise self.bad_code("redirect_uri differs from the one given at authorize")
        if grant.code_challenge:
            verifier = params.get("code_verifier") or ""
            if not PKCE_VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), grant.code_challenge):
                raise self.bad_code("code_verifier is missing or does not match the code_challenge")
        # Checked first, spent last: a refused attempt leaves the code for a corrected one.
        if not self.store.spend(code):
            raise self.bad_code("The authorization code was already used")
        return self.issue(grant)

    def mint(self, platform, account, scopes, count):
        """Development only (benchmarks): `count` token answers as `count` consents of `account` to
        `platform`'s app granting `scopes`, then their code exchanges, would give; no HTTP, no pages.

        Each pair gets a grant of its own, as each consent does, so one revoked or replayed chain
        leaves the others alive; refresh tokens are issued as to an app asking for offline access.
        """
        offline = self.issues_refresh_token(MINT_OFFLINE_PARAMS, scopes)
        answers = []
        for _ in range(count):
            grant = Grant(
                family=self.key,
                platform=platform,
                client_id=CLIENTS[platform][0],
                account=account,
                scopes=scopes,
                asked=scopes,
                redirect_uri="http://127.0.0.1/minted",
                offline=offline,
            )
            answers.append(self.token_answer(*self.issue(grant)))
        return answers

    def connected_apps(self):
        """[(label, app, scopes, revoked, revoke())]: each grant as its person's settings page lists it."""
        return [
            (
                f"{self.title}: {account_label(grant.account)}",
                grant.client_id,
                " ".join(grant.scopes),
                grant.revoked,
                lambda grant=grant: self.store.revoke_grants(lambda other: other is grant),
            )
            for grant in self.store.grants(self.key)
        ]

    def access_life(self, lifetime):
        """`lifetime`, or the demo's shorter cap (Knobs.access_lifetime_cap) where the token can be renewed."""
        cap = self.knobs.access_lifetime_cap
        return min(lifetime, cap) if cap and self.renews_access else lifetime

    def issue(self, grant, *, with_refresh=True):
        access = self.store.issue(
            "access", grant, self.access_life(self.access_lifetime), prefix=self.token_prefixes[0]
        )
        refresh = None
        if with_refresh and grant.offline and grant.platform not in self.knobs.omit_refresh:
            refresh = self.store.issue("refresh", grant, self.refresh_lifetime, prefix=self.token_prefixes[1])
        return access, refresh

    def refresh(self, params, client_id):
        old = self.store.find(params.get("refresh_token"), ("refresh",), self.key)
        if old is None or old.grant.client_id != client_id:
            raise self.bad_refresh_token("The refresh token is unknown or was issued to another client")
        if old.spent and self.rotation == "replay-revokes-grant":
            self.store.revoke_grants(lambda grant: grant is old.grant)
            raise self.bad_refresh_token("The refresh token was already used: every token of its grant is revoked")
        if not old.alive(self.store.now()):
            raise self.bad_refresh_token("The refresh token was used, revoked or has expired")
        # A rotating platform that (by the knob) sends no new refresh token leaves the old one usable.
        rotate = self.rotation is not None and old.grant.platform not in self.knobs.omit_refresh
        if rotate and not self.store.spend(old):
            return self.refresh(params, client_id)  # a concurrent refresh spent it: answer as a replay
        return self.issue(old.grant, with_refresh=rotate)

    # --- Revocation and identity -----------------------------------------------------------

    def revoke(self, request):
        params = self.revoke_params(request)
        self.knobs.record(self.platforms_named(request, params), request)
        self.before(request)
        client_id = self.revoke_client(request, params)
        token = self.store.find(params.get("token"), ("access", "refresh"), self.key)
        if token is not None and client_id not in (None, token.grant.client_id):
            token = None  # RFC 7009: a client revokes only its own tokens
        if token is not None:
            if token.kind == "refresh" or self.revoking_access_revokes_grant:
                self.store.revoke_grants(lambda grant: grant is token.grant)
            else:
                self.store.revoke(token)
        return self.revoked_answer(token is not None)

    def bearer(self, request, *, query_param=None, kinds=("access",)):
        """The live token a request presents (Authorization: Bearer, or `query_param`)."""
        self.before(request)
        value = request.bearer() or (request.query.get(query_param) if query_param else None)
        token = self.store.find(value, kinds, self.key)
        if token is None or not token.alive(self.store.now()):
            raise self.invalid_token()
        return token
