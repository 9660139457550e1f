"""Facebook Login and the Graph API (Facebook and Instagram apps): users, their Pages, Pages' Instagram accounts."""

import secrets

from ..oauth2 import OAuth2Family
from ..web import Refusal, json_answer

VERSION = r"/v\d+\.\d+"  # any Graph API version: /v24.0/...
LONG_LIVED = 5_184_000  # 60 days
PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]


def parse_fields(text):
    """Graph's `fields` syntax: "id,name,instagram_business_account{id,username}" -> {name: subfields or None}."""
    fields, depth, start = {}, 0, 0
    for position, char in enumerate(text + ","):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            item = text[start:position].strip()
            start = position + 1
            if item:
                name, _, inner = item.partition("{")
                fields[name.strip()] = list(parse_fields(inner.rstrip("}"))) if inner else None
    return fields


class Facebook(OAuth2Family):
    key = "facebook"
    title = "Facebook"
    platforms = ("facebook", "instagram")
    authorize_at = ("www.facebook.com", VERSION + r"/dialog/oauth")
    token_at = ("graph.facebook.com", VERSION + r"/oauth/access_token")
    token_method = "GET"
    client_auth = ("query",)
    scope_separator = ","
    known_scopes = frozenset(
        {
            "public_profile",
            "email",
            "pages_show_list",
            "pages_read_engagement",
            "pages_manage_posts",
            "pages_manage_metadata",
            "business_management",
            "instagram_basic",
            "instagram_content_publish",
            "instagram_manage_comments",
            "instagram_manage_insights",
        }
    )
    denial = {"error": "access_denied", "error_reason": "user_denied", "error_description": "Permissions error"}
    access_lifetime = 3600  # the code exchange gives a short-lived user token; fb_exchange_token a long one
    refreshes = False  # Facebook has no refresh tokens: a long-lived token is exchanged again instead
    token_prefixes = ("EAAemu", "")

    def routes(self):
        # The token endpoint is GET; a POST is refused, so that a client sending the wrong shape is caught.
        return [*super().routes(), self.route("POST", self.token_at, self.token_posted, "oauth")]

    def token_posted(self, request):
        self.knobs.record(self.platforms_named(request, request.form), request)
        raise Refusal(400, 100, "The emulator takes the code exchange as GET with its parameters in the query")

    # Graph answers every error in one shape, at the token endpoint too.
    def oauth_error(self, refusal):
        error = {"message": refusal.description, "type": "OAuthException", "code": refusal.error}
        error.update(refusal.extra)
        error["fbtrace_id"] = secrets.token_urlsafe(8)
        headers = ()
        if refusal.error == 190:
            headers = (("WWW-Authenticate", f'OAuth "Facebook Platform" "invalid_token" "{refusal.description}"'),)
        return json_answer({"error": error}, refusal.status, headers=headers)

    def missing_client(self, params):
        return Refusal(400, 101, "Missing client_id parameter.")

    def bad_client(self):
        return Refusal(400, 1, "Error validating client secret.")

    def bad_code(self, why):
        return Refusal(400, 100, f"Error validating verification code: {why}", error_subcode=36008)

    def invalid_token(self):
        return Refusal(401, 190, "Error validating access token: the token is unknown, expired or revoked")

    def grant_type(self, params):
        # The code exchange names no grant_type (Authlib's GET sends authorization_code: same thing).
        return params.get("grant_type") or "authorization_code"

    def other_grant(self, grant_type, params, client_id):
        if grant_type != "fb_exchange_token":
            raise Refusal(400, 100, f"Unsupported grant_type {grant_type!r}: Facebook has no refresh tokens")
        current = self.store.find(params.get("fb_exchange_token"), ("access",), self.key)
        if current is None or not current.alive(self.store.now()) or current.grant.client_id != client_id:
            raise self.invalid_token()
        long_lived = self.store.issue(
            "access", current.grant, self.access_life(LONG_LIVED), prefix=self.token_prefixes[0], long_lived=True
        )
        return long_lived, None

    def token_answer(self, access, refresh):
        # No scope in the answer: the granted permissions come from /me/permissions.
        return {"access_token": access.value, "token_type": "bearer", "expires_in": access.lifetime}

    # --- Graph ----------------------------------------------------------------------------------

    def identity_routes(self):
        graph = "graph.facebook.com"
        return [
            self.route("GET", (graph, VERSION + r"/me"), self.me, "api"),
            self.route("GET", (graph, VERSION + r"/me/accounts"), self.my_pages, "api"),
            self.route("GET", (graph, VERSION + r"/me/permissions"), self.permissions, "api"),
            self.route("DELETE", (graph, VERSION + r"/me/permissions"), self.deauthorize, "api"),
            self.route("GET", (graph, VERSION + r"/(?P<node>\d+)"), self.node, "api"),
        ]

    def graph_token(self, request):
        return self.bearer(request, query_param="access_token", kinds=("access", "page"))

    def me(self, request):
        token = self.graph_token(request)
        if token.kind == "page":  # a Page token's "me" is the Page
            return json_answer(self.page_node(token.page, request.query.get("fields", "id,name"), token))
        user = token.grant.account
        fields = parse_fields(request.query.get("fields", "id,name"))
        unknown = [name for name in fields if name not in ("id", "name")]
        if unknown:
            raise Refusal(400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (User)")
        return json_answer({name: user[name] for name in fields})

    def user_token(self, request):
        token = self.graph_token(request)
        if token.kind == "page":
            raise Refusal(400, 100, "(#100) This call needs a user access token, not a Page token")
        return token

    def my_pages(self, request):
        token = self.user_token(request)
        if "pages_show_list" not in token.grant.scopes:
            return json_answer({"data": []})
        fields = request.query.get("fields", "id,name,access_token,category,tasks")
        pages = [self.page_node(page, fields, token) for page in token.grant.account["pages"]]
        return json_answer({"data": pages, "paging": {"cursors": {"before": "MAZDZD", "after": "MAZDZD"}}})

    def node(self, request, node):
        token = self.graph_token(request)
        page = next((page for page in token.grant.account["pages"] if page["id"] == node), None)
        if page is None or (token.kind == "page" and token.page["id"] != node):
            raise Refusal(
                400,
                100,
                f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation.",
                error_subcode=33,
            )
        return json_answer(self.page_node(page, request.query.get("fields", "id,name"), token))

    def page_node(self, page, fields_text, token):
        node = {}
        for name, subfields in parse_fields(fields_text).items():
            if name in ("id", "name", "category"):
                node[name] = page[name]
            elif name == "tasks":
                node[name] = PAGE_TASKS
            elif name == "access_token":
                node[name] = self.page_token(page, token).value
            elif name == "instagram_business_account":
                if "instagram_basic" not in token.grant.scopes:
                    raise Refusal(403, 10, "(#10) Application does not have permission for this action")
                account = page.get("instagram_business_account")
                if account:  # a Page without one has no such key at all
                    node[name] = {key: account[key] for key in subfields or ["id"] if key in account}
            else:
                raise Refusal(400, 100, f"(#100) Tried accessing nonexisting field ({name}) on node type (Page)")
        node["id"] = page["id"]  # Graph always answers a node's id
        return node

    def page_token(self, page, user_token):
        # A Page token got with a long-lived user token never expires; otherwise it dies with the user token.
        if user_token.long_lived or user_token.expires_at is None:
            lifetime = None
        else:
            lifetime = max(1, int(user_token.expires_at - self.store.now()))
        return self.store.issue("page", user_token.grant, lifetime, prefix=self.token_prefixes[0], page=page)

    def permissions(self, request):
        grant = self.user_token(request).grant
        data = [{"permission": "public_profile", "status": "granted"}]
        data += [
            {"permission": scope, "status": "granted" if scope in grant.scopes else "declined"}
            for scope in grant.asked
            if scope != "public_profile"
        ]
        return json_answer({"data": data})

    def deauthorize(self, request):
        grant = self.user_token(request).grant
        # Removing the app's permissions ends every token the user gave this app, Page tokens included.
        self.store.revoke_grants(
            lambda other: (
                (other.family, other.client_id, other.account["id"]) == (self.key, grant.client_id, grant.account["id"])
            )
        )
        return json_answer({"success": True})
