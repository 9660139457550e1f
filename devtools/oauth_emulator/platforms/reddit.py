"""Reddit: HTTP Basic everywhere, a descriptive User-Agent or 429, refresh tokens only with duration=permanent."""

from ..oauth2 import OAuth2Family
from ..web import Refusal, Response, json_answer

# User-Agents Reddit throttles as generic: a library's default, not an app's name.
GENERIC_AGENTS = ("python-requests", "python-urllib", "curl/", "go-http-client", "okhttp", "axios", "node-fetch")


class Reddit(OAuth2Family):
    key = "reddit"
    title = "Reddit"
    platforms = ("reddit",)
    authorize_at = ("www.reddit.com", r"/api/v1/authorize(?:\.compact)?")
    token_at = ("www.reddit.com", r"/api/v1/access_token")
    revoke_at = ("www.reddit.com", r"/api/v1/revoke_token")
    client_auth = ("basic",)
    known_scopes = frozenset(
        "identity edit flair history modconfig modflair modlog modposts modwiki mysubreddits privatemessages "
        "read report save submit subscribe vote wikiedit wikiread".split()
    )
    state_required = True
    access_lifetime = 3600
    rotation = None  # a permanent refresh token stays until revoked
    token_prefixes = ("emu-", "emu-r-")

    def account_label(self, account):
        return f"u/{account['name']} ({account['id']})"

    def check_authorize(self, params):
        if params.get("duration") not in ("temporary", "permanent"):
            raise Refusal(400, "invalid_request", "duration must be 'temporary' or 'permanent'")

    def issues_refresh_token(self, params, granted):
        return params["duration"] == "permanent"

    def before(self, request):
        agent = (request.header("User-Agent") or "").strip()
        if not agent or agent.lower().startswith(GENERIC_AGENTS):
            raise Refusal(
                429,
                429,
                "Too Many Requests: Reddit refuses requests without a descriptive User-Agent "
                "(e.g. 'server:my-app:1.0 (by /u/someone)'); generic ones such as python-requests are throttled",
            )

    def oauth_error(self, refusal):
        if isinstance(refusal.error, int):  # refused at the HTTP level: 401, 429
            return json_answer({"message": refusal.description, "error": refusal.error}, refusal.status)
        # A refused grant comes back as HTTP 200 with an error body (prawcore checks the body for this).
        return json_answer({"error": refusal.error}, 200)

    def api_error(self, refusal):
        return json_answer({"message": refusal.description, "error": refusal.status}, refusal.status)

    def missing_client(self, params):
        return Refusal(401, 401, "Unauthorized")

    def bad_client(self):
        return Refusal(401, 401, "Unauthorized")

    def invalid_token(self):
        return Refusal(401, 401, "Unauthorized")

    def revoked_answer(self, found):
        return Response(204)

    def identity_routes(self):
        return [self.route("GET", ("oauth.reddit.com", r"/api/v1/me"), self.me, "api")]

    def me(self, request):
        token = self.bearer(request)
        if "identity" not in token.grant.scopes:
            raise Refusal(403, 403, "Forbidden")
        account = token.grant.account
        return json_answer({"name": account["name"], "id": account["id"], "is_suspended": False, "verified": True})
