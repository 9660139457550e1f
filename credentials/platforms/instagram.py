from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import Platform, TokenFacts


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


PLATFORM = Platform(
    key="instagram",
    label="Instagram",
    model=InstagramCredential,
    identity_fields=("instagram_username", "instagram_user_id", "facebook_page_id"),
    account_fields=("account_type",),
    app_fields=("app_id", "app_secret"),
    token_facts=TokenFacts(
        authorize_url="https://www.facebook.com/v{N}/dialog/oauth",
        token_url="https://graph.facebook.com/v{N}/oauth/access_token",
        access_token_life="long-lived, about 60 days",
        refresh_token="none: re-exchange the long-lived token or reconnect",
        post_scopes=(
            "instagram_basic",
            "instagram_content_publish",
            "pages_show_list",
            "pages_read_engagement",
        ),
        pkce="no",
    ),
)
