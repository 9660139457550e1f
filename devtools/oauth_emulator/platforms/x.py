"""X (Twitter) OAuth 2.0: PKCE S256 mandatory, HTTP Basic for confidential clients, rotating refresh tokens."""

from ..oauth2 import OAuth2Family
from ..web import Refusal, json_answer


class X(OAuth2Family):
    key = "x"
    title = "X"
    platforms = ("twitter",)
    authorize_at = ("x.com", r"/i/oauth2/authorize")
    token_at = ("api.x.com", r"/2/oauth2/token")
    revoke_at = ("api.x.com", r"/2/oauth2/revoke")
    client_auth = ("basic",)
    known_scopes = frozenset(
        f"{thing}.{access}"
        for thing in ("tweet", "users", "follows", "like", "list", "block", "bookmark", "mute", "space", "dm")
        for access in ("read", "write")
    ) | {"offline.access", "media.write", "tweet.moderate.write"}
    pkce_required = True
    state_required = True
    access_lifetime = 7200
    # Single-use and rotated; replaying a spent refresh token revokes the whole chain.
    rotation = "replay-revokes-grant"

    def issues_refresh_token(self, params, granted):
        return "offline.access" in granted

    def missing_client(self, params):
        return Refusal(401, "unauthorized_client", "Missing valid authorization header")

    def token_answer(self, access, refresh):
        return {**super().token_answer(access, refresh), "token_type": "bearer"}

    def revoked_answer(self, found):
        return json_answer({"revoked": True})

    # The v2 API answers errors as RFC 7807 problems.
    def api_error(self, refusal):
        title = {401: "Unauthorized", 403: "Forbidden"}.get(refusal.status, "Invalid Request")
        body = {"title": title, "type": "about:blank", "status": refusal.status, "detail": refusal.description}
        return json_answer(body, refusal.status)

    def invalid_token(self):
        return Refusal(401, "unauthorized", "Unauthorized")

    def identity_routes(self):
        return [self.route("GET", ("api.x.com", r"/2/users/me"), self.users_me, "api")]

    def users_me(self, request):
        token = self.bearer(request)
        if not {"users.read", "tweet.read"} <= set(token.grant.scopes):
            raise Refusal(403, "forbidden", "users/me needs the users.read and tweet.read scopes")
        user = token.grant.account
        return json_answer({"data": {key: user[key] for key in ("id", "name", "username")}})
