from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import ConnectedAccount, OAuth2, Platform, TokenFacts


class LinkedInCredential(Credential, PostStats):
    platform_key = "linkedin"

    class PostAs(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"

    person_id = models.CharField(max_length=100, null=True, blank=True)
    profile_id = models.CharField(max_length=100, null=True, blank=True)
    organization_id = models.CharField(max_length=100, null=True, blank=True)
    post_as = models.CharField(max_length=20, choices=PostAs.choices, default=PostAs.PERSON, null=True, blank=True)
    client_id = models.CharField(max_length=200, null=True, blank=True)
    client_secret = SecretField()

    class Meta(Credential.Meta):
        db_table = "linkedin_credentials"
        verbose_name = "LinkedIn credential"

    def clean(self):
        super().clean()
        if self.post_as == self.PostAs.ORGANIZATION:
            self.require_fields(("organization_id",), "posting as an organization needs it.")


# The versioned /rest API refuses calls without a LinkedIn-Version (YYYYMM) header.
REST_HEADERS = {"LinkedIn-Version": "202510", "X-Restli-Protocol-Version": "2.0.0"}


def find_member_and_organizations(api, token):
    """The member, and each organization they administer (when the grant lets us ask)."""
    access_token = token["access_token"]
    member = api.get_json("https://api.linkedin.com/v2/userinfo", token=access_token)
    person_id = member["sub"]
    found = [
        ConnectedAccount(
            label=f"{member.get('name') or person_id} (LinkedIn member)",
            # organization_id None: the tenant's credentials posting for an organization are other accounts.
            identity={"person_id": person_id, "organization_id": None},
            fields={"post_as": LinkedInCredential.PostAs.PERSON},
        )
    ]
    roles = api.get_json(
        "https://api.linkedin.com/rest/organizationAcls",
        token=access_token,
        params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
        headers=REST_HEADERS,
        refused_ok=True,  # without rw_organization_admin: the member alone
    )
    for role in (roles or {}).get("elements", []):
        organization_id = role["organization"].rsplit(":", 1)[-1]
        organization = api.get_json(
            f"https://api.linkedin.com/rest/organizations/{organization_id}", token=access_token, headers=REST_HEADERS
        )
        found.append(
            ConnectedAccount(
                label=f"{organization.get('localizedName') or organization_id} (LinkedIn organization)",
                identity={"organization_id": organization_id},
                fields={"person_id": person_id, "post_as": LinkedInCredential.PostAs.ORGANIZATION},
            )
        )
    return found


def posting_scopes(credential):
    if credential.post_as == LinkedInCredential.PostAs.ORGANIZATION:
        return ("w_organization_social",)
    return ("w_member_social",)


PLATFORM = Platform(
    key="linkedin",
    label="LinkedIn",
    model=LinkedInCredential,
    identity_fields=("person_id", "organization_id", "profile_id"),
    account_fields=("post_as",),
    app_fields=("client_id", "client_secret"),
    token_facts=TokenFacts(
        access_token_life="60 days",
        refresh_token="365 days, approved partners only; refreshing does not extend it",
        post_scopes=("w_member_social", "w_organization_social"),
    ),
    oauth=OAuth2(
        authorize_url="https://www.linkedin.com/oauth/v2/authorization",
        token_url="https://www.linkedin.com/oauth/v2/accessToken",
        scopes=("openid", "profile", "w_member_social", "w_organization_social", "rw_organization_admin"),
        find_accounts=find_member_and_organizations,
    ),
    posting_scopes=posting_scopes,
)
