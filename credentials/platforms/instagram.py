from datetime import timedelta

from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import ConnectedAccount, OAuth2, Platform, RefreshPolicy, TokenFacts
from .facebook import (
    FACEBOOK_REVOKES_EVERYTHING,
    GRAPH_API,
    GRAPH_API_VERSION,
    granted_permissions,
    long_lived_user_token,
    managed_pages,
)


class InstagramCredential(Credential, PostStats):
    platform_key = "instagram"

    class AccountType(models.TextChoices):
        BUSINESS = "business", "Business"
        CREATOR = "creator", "Creator"

    instagram_user_id = models.CharField(max_length=100, null=True, blank=True)
    instagram_username = models.CharField(max_length=100, null=True, blank=True)
    app_id = models.CharField(max_length=100, null=True, blank=True)
    app_secret = SecretField()
    facebook_page_id = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        help_text="The Facebook Page the Instagram account is connected to.",
    )
    account_type = models.CharField(
        max_length=20,
        choices=AccountType.choices,
        null=True,
        blank=True,
        help_text="Personal accounts cannot publish through the Graph API.",
    )

    class Meta(Credential.Meta):
        db_table = "instagram_credentials"
        verbose_name = "Instagram credential"

    def clean(self):
        super().clean()
        # The Graph API publishes only through a connected Facebook Page.
        self.require_fields(
            ("instagram_user_id", "facebook_page_id"), "Instagram publishing needs a connected Facebook Page."
        )


def find_business_accounts(api, token):
    """The Instagram business accounts behind the Facebook pages the user manages."""
    found = []
    for page in managed_pages(api, token):
        answer = api.get_json(
            f"{GRAPH_API}/{page['id']}",
            token=token["access_token"],
            params={"fields": "instagram_business_account{id,username}"},
        )
        business = answer.get("instagram_business_account")
        if business:
            found.append(
                ConnectedAccount(
                    label=f"@{business['username']} (Instagram, through the page {page['name']})",
                    identity={"instagram_user_id": business["id"]},
                    fields={
                        "instagram_username": business["username"],
                        "facebook_page_id": page["id"],
                        "account_type": InstagramCredential.AccountType.BUSINESS,
                    },
                )
            )
    return found


PLATFORM = Platform(
    key="instagram",
    label="Instagram",
    model=InstagramCredential,
    identity_fields=("instagram_username", "instagram_user_id", "facebook_page_id"),
    account_fields=("account_type",),
    app_fields=("app_id", "app_secret"),
    token_facts=TokenFacts(
        access_token_life="long-lived, about 60 days",
        refresh_token="none: re-exchange the long-lived token or reconnect",
        post_scopes=(
            "instagram_basic",
            "instagram_content_publish",
            "pages_show_list",
            "pages_read_engagement",
        ),
    ),
    # Through Facebook Login: the Instagram business account behind a Facebook page.
    oauth=OAuth2(
        app_id_field="app_id",
        app_secret_field="app_secret",
        authorize_url=f"https://www.facebook.com/{GRAPH_API_VERSION}/dialog/oauth",
        token_url=f"https://graph.facebook.com/{GRAPH_API_VERSION}/oauth/access_token",
        scopes=("instagram_basic", "instagram_content_publish", "pages_show_list", "pages_read_engagement"),
        scope_separator=",",
        token_request_method="GET",
        exchange=long_lived_user_token,
        find_accounts=find_business_accounts,
        granted_scopes=granted_permissions,
        no_revocation_because=FACEBOOK_REVOKES_EVERYTHING,
    ),
    # As Facebook's, and (Instagram's rule) not before the token is a day old.
    refresh=RefreshPolicy("exchange", ahead=timedelta(days=10), min_age=timedelta(hours=24)),
)
