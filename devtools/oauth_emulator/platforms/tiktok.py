"""TikTok Login Kit v2: client_key, comma-separated scopes, PKCE, rotating refresh tokens, user/info."""

import secrets

from ..oauth2 import OAuth2Family
from ..web import Refusal, json_answer

# user/info fields and the scope each needs.
USER_FIELDS = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "display_name": "user.info.basic",
    "username": "user.info.profile",
}


def log_id():
    return secrets.token_hex(16).upper()


class TikTok(OAuth2Family):
    key = "tiktok"
    title = "TikTok"
    platforms = ("tiktok",)
    account_key = "open_id"
    authorize_at = ("www.tiktok.com", r"/v2/auth/authorize/?")
    token_at = ("open.tiktokapis.com", r"/v2/oauth/token/?")
    revoke_at = ("open.tiktokapis.com", r"/v2/oauth/revoke/?")
    client_id_param = "client_key"
    client_auth = ("form",)
    scope_separator = ","
    answer_scope_separator = ","
    known_scopes = frozenset(
        {"user.info.basic", "user.info.profile", "user.info.stats", "video.list", "video.publish", "video.upload"}
    )
    pkce_required = True
    denial = {"error": "access_denied", "error_description": "The user denied the authorization request"}
    access_lifetime = 86_400
    refresh_lifetime = 31_536_000  # a year (refresh_expires_in)
    rotation = "refuse-spent"  # each refresh answers a new refresh token; the spent one is refused
    revoking_access_revokes_grant = True  # revoking is the user deauthorizing the app
    token_prefixes = ("act.", "rft.")

    def redirect_params(self, grant):
        return {"scopes": ",".join(grant.scopes)}  # TikTok tells the app what was granted in the redirect too

    def token_answer(self, access, refresh):
        answer = super().token_answer(access, refresh)
        answer["open_id"] = access.grant.account["open_id"]
        if refresh is not None:
            answer["refresh_expires_in"] = refresh.lifetime
        return answer

    def oauth_error(self, refusal):
        body = {"error": refusal.error, "error_description": refusal.description, "log_id": log_id()}
        return json_answer(body, refusal.status)

    def missing_client(self, params):
        if "client_id" in params:
            return Refusal(400, "invalid_request", "client_key is missing (TikTok calls the client id client_key)")
        return Refusal(400, "invalid_request", "client_key and client_secret are required form fields")

    def revoke_client(self, request, params):
        return self.authenticate(request, params)

    def api_error(self, refusal):
        error = {"code": refusal.error, "message": refusal.description, "log_id": log_id()}
        return json_answer({"data": {}, "error": error}, refusal.status)

    def invalid_token(self):
        return Refusal(401, "access_token_invalid", "The access token is invalid or not found in the request.")

    def identity_routes(self):
        return [self.route("GET", ("open.tiktokapis.com", r"/v2/user/info/?"), self.user_info, "api")]

    def user_info(self, request):
        token = self.bearer(request)
        fields = [name for name in request.query.get("fields", "").split(",") if name]
        unknown = [name for name in fields if name not in USER_FIELDS]
        if not fields or unknown:
            raise Refusal(400, "invalid_params", f"fields is missing or names an unknown field: {unknown}")
        granted = set(token.grant.scopes)
        account = token.grant.account
        # Only the fields asked for, and of those only the ones a granted scope covers.
        user = {name: account[name] for name in fields if USER_FIELDS[name] in granted}
        return json_answer({"data": {"user": user}, "error": {"code": "ok", "message": "", "log_id": log_id()}})
