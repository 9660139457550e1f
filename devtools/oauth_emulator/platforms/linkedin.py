"""LinkedIn: OAuth 2.0 without refresh tokens (non-partner apps), userinfo, and organizations a member administers."""

import re

from ..oauth2 import OAuth2Family
from ..web import Refusal, json_answer

ADMIN_SCOPES = {"rw_organization_admin", "r_organization_admin"}


class LinkedIn(OAuth2Family):
    key = "linkedin"
    title = "LinkedIn"
    platforms = ("linkedin",)
    account_key = "sub"
    authorize_at = ("www.linkedin.com", r"/oauth/v2/authorization")
    token_at = ("www.linkedin.com", r"/oauth/v2/accessToken")
    client_auth = ("form",)
    # LinkedIn is asked for scopes space-separated but answers the granted ones comma-separated.
    answer_scope_separator = ","
    known_scopes = frozenset(
        {
            "openid",
            "profile",
            "email",
            "w_member_social",
            "r_organization_social",
            "w_organization_social",
            "rw_organization_admin",
            "r_organization_admin",
        }
    )
    # LinkedIn's own denial codes, not access_denied.
    denial = {"error": "user_cancelled_authorize", "error_description": "The user cancelled the authorization"}
    access_lifetime = 5_184_000  # 60 days
    # Refresh tokens go to approved partner apps only; the emulated app is not one.
    refreshes = False
    renews_access = False  # nothing renews it: a demo's short cap would only break it
    token_prefixes = ("AQemu", "")

    def other_grant(self, grant_type, params, client_id):
        if grant_type == "refresh_token":
            raise Refusal(400, "unauthorized_client", "LinkedIn issues refresh tokens to approved partner apps only")
        return super().other_grant(grant_type, params, client_id)

    def missing_client(self, params):
        return Refusal(400, "invalid_request", 'A required parameter "client_id" is missing')

    def bad_code(self, why):
        # LinkedIn says invalid_request, with one description for every reason a code fails.
        return Refusal(
            400,
            "invalid_request",
            "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization "
            f"code. Or authorization code expired. ({why})",
        )

    def api_error(self, refusal):
        body = {"status": refusal.status, "code": refusal.error, "message": refusal.description}
        body.update(refusal.extra)
        return json_answer(body, refusal.status)

    def invalid_token(self):
        return Refusal(401, "INVALID_ACCESS_TOKEN", "Invalid access token", serviceErrorCode=65600)

    def identity_routes(self):
        api = "api.linkedin.com"
        return [
            self.route("GET", (api, r"/v2/userinfo"), self.userinfo, "api"),
            self.route("GET", (api, r"/rest/organizationAcls"), self.organization_acls, "api"),
            self.route("GET", (api, r"/rest/organizations/(?P<organization_id>\d+)"), self.organization, "api"),
        ]

    def userinfo(self, request):
        token = self.bearer(request)
        if not {"openid", "profile"} <= set(token.grant.scopes):
            raise Refusal(403, "ACCESS_DENIED", "Not enough permissions to access: userinfo.GET.NO_VERSION")
        member = token.grant.account
        answer = {key: member[key] for key in ("sub", "name", "given_name", "family_name")}
        answer["locale"] = {"country": "US", "language": "en"}
        if "email" in token.grant.scopes:
            answer.update(email=member["email"], email_verified=True)
        return json_answer(answer)

    def versioned(self, request):
        """The /rest API needs a LinkedIn-Version header (YYYYMM)."""
        token = self.bearer(request)
        version = request.header("LinkedIn-Version")
        if not version:
            raise Refusal(
                400,
                "VERSION_MISSING",
                "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
            )
        if not re.fullmatch(r"20\d\d(0[1-9]|1[0-2])", version):
            raise Refusal(400, "VERSION_INVALID", f"Invalid LinkedIn-Version {version!r}: expected YYYYMM")
        if not ADMIN_SCOPES & set(token.grant.scopes):
            raise Refusal(403, "ACCESS_DENIED", "Not enough permissions: rw_organization_admin was not granted")
        return token

    def organization_acls(self, request):
        token = self.versioned(request)
        if request.query.get("q") != "roleAssignee":
            raise Refusal(400, "ILLEGAL_ARGUMENT", "The emulator answers organizationAcls with q=roleAssignee")
        role, state = request.query.get("role", "ADMINISTRATOR"), request.query.get("state", "APPROVED")
        member = token.grant.account
        elements = [
            {
                "organization": f"urn:li:organization:{organization['id']}",
                "role": "ADMINISTRATOR",
                "roleAssignee": f"urn:li:person:{member['sub']}",
                "state": "APPROVED",
            }
            for organization in member["organizations"]
            if role == "ADMINISTRATOR" and state == "APPROVED"
        ]
        return json_answer({"elements": elements, "paging": {"count": 10, "start": 0, "total": len(elements)}})

    def organization(self, request, organization_id):
        token = self.versioned(request)
        organization = next((o for o in token.grant.account["organizations"] if o["id"] == organization_id), None)
        if organization is None:
            raise Refusal(404, "NOT_FOUND", f"Organization {organization_id} not found")
        return json_answer(
            {
                "id": int(organization["id"]),
                "localizedName": organization["name"],
                "vanityName": organization["vanityName"],
            }
        )
