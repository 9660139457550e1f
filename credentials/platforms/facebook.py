from datetime import timedelta

from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import ConnectedAccount, OAuth2, Platform, RefreshPolicy, TokenFacts

# The Graph API version the console speaks; Instagram (through Facebook Login) uses it too.
GRAPH_API_VERSION = "v24.0"
GRAPH_API = f"https://graph.facebook.com/{GRAPH_API_VERSION}"
# Facebook's one revocation, DELETE /me/permissions, ends every token the person gave the app.
FACEBOOK_REVOKES_EVERYTHING = (
    "Facebook's only revocation would remove the app from the person's whole account, "
    "every Page and Instagram account connected through it"
)


class FacebookCredential(Credential, PostStats):
    platform_key = "facebook"

    class AccountType(models.TextChoices):
        PROFILE = "profile", "Profile"
        PAGE = "page", "Page"

    user_id = models.CharField(max_length=100, null=True, blank=True)
    page_id = models.CharField(max_length=100, null=True, blank=True)
    page_access_token = SecretField()
    app_id = models.CharField(max_length=100, null=True, blank=True)
    app_secret = SecretField()
    account_type = models.CharField(max_length=20, choices=AccountType.choices, null=True, blank=True)

    class Meta(Credential.Meta):
        db_table = "facebook_credentials"
        verbose_name = "Facebook credential"

    def clean(self):
        super().clean()
        if self.account_type == self.AccountType.PAGE:
            self.require_fields(
                ("page_id", "page_access_token"), "a page credential needs its page id and page access token."
            )


def long_lived_user_token(api, token):
    """The code gives a user token of hours; exchanged, it lasts about 60 days, and the page
    tokens got with it do not expire."""
    return api.grant("fb_exchange_token", fb_exchange_token=token["access_token"])


def granted_permissions(api, token):
    """Facebook's token answer does not say what was granted; its permissions edge does."""
    answer = api.get_json(f"{GRAPH_API}/me/permissions", token=token["access_token"])
    return [item["permission"] for item in answer.get("data", []) if item.get("status") == "granted"]


def managed_pages(api, token):
    """The pages the user manages: id, name and the page's own access token."""
    return api.get_json(f"{GRAPH_API}/me/accounts", token=token["access_token"]).get("data", [])


def find_pages(api, token):
    user = api.get_json(f"{GRAPH_API}/me", token=token["access_token"], params={"fields": "id,name"})
    return [
        ConnectedAccount(
            label=f"{page['name']} (Facebook page)",
            identity={"page_id": page["id"]},
            fields={"user_id": user["id"], "account_type": FacebookCredential.AccountType.PAGE},
            secrets={"page_access_token": page["access_token"]},
        )
        for page in managed_pages(api, token)
    ]


PLATFORM = Platform(
    key="facebook",
    label="Facebook",
    model=FacebookCredential,
    identity_fields=("page_id", "user_id"),
    account_fields=("account_type",),
    app_fields=("app_id", "app_secret"),
    token_fields=("page_access_token",),
    token_facts=TokenFacts(
        access_token_life=(
            "user token: short, exchanged for about 60 days; a Page token from a long-lived "
            "user token does not expire until revoked"
        ),
        refresh_token="none",
        post_scopes=("pages_manage_posts", "pages_read_engagement", "pages_show_list"),
    ),
    oauth=OAuth2(
        app_id_field="app_id",
        app_secret_field="app_secret",
        authorize_url=f"https://www.facebook.com/{GRAPH_API_VERSION}/dialog/oauth",
        token_url=f"https://graph.facebook.com/{GRAPH_API_VERSION}/oauth/access_token",
        scopes=("pages_manage_posts", "pages_read_engagement", "pages_show_list"),
        scope_separator=",",
        token_request_method="GET",
        exchange=long_lived_user_token,
        find_accounts=find_pages,
        granted_scopes=granted_permissions,
        no_revocation_because=FACEBOOK_REVOKES_EVERYTHING,
    ),
    # No refresh token: the long-lived user token is re-exchanged while it still works.
    refresh=RefreshPolicy("exchange", ahead=timedelta(days=10)),
)
