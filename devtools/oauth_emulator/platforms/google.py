"""Google's OAuth 2.0 (YouTube apps) and the YouTube Data API's channels.list for the signed-in account."""

from ..oauth2 import OAuth2Family
from ..web import Refusal, json_answer

SCOPE = "https://www.googleapis.com/auth/"


class Google(OAuth2Family):
    key = "google"
    title = "Google"
    platforms = ("youtube",)
    authorize_at = ("accounts.google.com", r"/o/oauth2/v2/auth")
    token_at = ("oauth2.googleapis.com", r"/token")
    revoke_at = ("oauth2.googleapis.com", r"/revoke")
    client_auth = ("form", "basic")
    known_scopes = frozenset(
        {"openid", "email", "profile"}
        | {SCOPE + name for name in ("youtube", "youtube.upload", "youtube.readonly", "youtube.force-ssl")}
        | {SCOPE + name for name in ("userinfo.email", "userinfo.profile")}
    )
    access_lifetime = 3599
    # A Google refresh token is not rotated, and a refresh answer carries none: keep the stored one.
    rotation = None
    # Revoking an access or a refresh token revokes the whole grant.
    revoking_access_revokes_grant = True
    token_prefixes = ("ya29.", "1//")
    READ_SCOPES = {SCOPE + "youtube", SCOPE + "youtube.readonly", SCOPE + "youtube.force-ssl"}

    def check_authorize(self, params):
        if params.get("access_type", "online") not in ("online", "offline"):
            raise Refusal(400, "invalid_request", "access_type must be 'online' or 'offline'")

    def issues_refresh_token(self, params, granted):
        # Without access_type=offline Google issues no refresh token at all.
        return params.get("access_type") == "offline"

    def revoke_client(self, request, params):
        return None  # Google's revocation endpoint takes the token alone

    def revoked_answer(self, found):
        if not found:
            return json_answer({"error": "invalid_token", "error_description": "Token expired or revoked"}, 400)
        return json_answer({})

    def revoke_params(self, request):
        return {**request.query, **request.form}  # Google also takes ?token=

    # The Google APIs (not the OAuth endpoints) answer errors in their own shape.
    def api_error(self, refusal):
        status_names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED"}
        return json_answer(
            {
                "error": {
                    "code": refusal.status,
                    "message": refusal.description,
                    "errors": [{"message": refusal.description, "domain": "global", "reason": refusal.error}],
                    "status": status_names.get(refusal.status, "UNKNOWN"),
                }
            },
            refusal.status,
            headers=(("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'),)
            if refusal.status == 401
            else (),
        )

    def invalid_token(self):
        return Refusal(
            401,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
            "or other valid authentication credential.",
        )

    def identity_routes(self):
        return [self.route("GET", ("www.googleapis.com", r"/youtube/v3/channels"), self.channels, "api")]

    def channels(self, request):
        token = self.bearer(request)
        if "part" not in request.query:
            raise Refusal(400, "required", "No filter selected. Expected one of: mine, id, forUsername... and part")
        if request.query.get("mine") != "true":
            raise Refusal(400, "invalidFilters", "The emulator answers channels.list with mine=true only")
        if not self.READ_SCOPES & set(token.grant.scopes):
            raise Refusal(403, "insufficientPermissions", "Request had insufficient authentication scopes.")
        channel = token.grant.account
        parts = set(request.query["part"].split(","))
        item = {"kind": "youtube#channel", "etag": "emulator", "id": channel["id"]}
        if "snippet" in parts:
            item["snippet"] = {key: channel[key] for key in ("title", "description", "customUrl")}
        return json_answer(
            {
                "kind": "youtube#channelListResponse",
                "etag": "emulator",
                "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [item],
            }
        )
