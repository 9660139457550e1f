from django.core.exceptions import ValidationError
from django.db import models

from ..fields import SecretField
from ..models import Credential, UploadStats
from .base import ConnectedAccount, OAuth2, Platform, TokenFacts


class TikTokCredential(Credential, UploadStats):
    platform_key = "tiktok"

    open_id = models.CharField(max_length=100, null=True, blank=True)
    username = models.CharField(max_length=100, null=True, blank=True)
    client_key = models.CharField(max_length=100, null=True, blank=True)
    client_secret = SecretField()
    refresh_token_expiry = models.DateTimeField(
        null=True, blank=True, help_text="TikTok refresh tokens expire: keep the newest expiry."
    )

    class Meta(Credential.Meta):
        db_table = "tiktok_credentials"
        verbose_name = "TikTok credential"

    def clean(self):
        super().clean()
        if self.refresh_token_expiry and self.token_expiry and self.refresh_token_expiry < self.token_expiry:
            raise ValidationError(
                {"refresh_token_expiry": f"{self.label('refresh_token_expiry')} cannot be before the token expiry."}
            )


def find_user(api, token):
    answer = api.get_json(
        "https://open.tiktokapis.com/v2/user/info/",
        token=token["access_token"],
        params={"fields": "open_id,display_name,username"},
    )
    user = answer["data"]["user"]
    # username comes only with user.info.profile granted; the display name stands in for it.
    shown = user.get("username") or user.get("display_name") or user["open_id"]
    return [
        ConnectedAccount(
            label=f"@{shown} (TikTok)",
            identity={"open_id": user["open_id"]},
            fields={"username": user.get("username")},
        )
    ]


PLATFORM = Platform(
    key="tiktok",
    label="TikTok",
    model=TikTokCredential,
    identity_fields=("username", "open_id"),
    app_fields=("client_key", "client_secret"),
    token_fields=("refresh_token_expiry",),
    token_facts=TokenFacts(
        access_token_life="2 hours (24 hours in older documentation)",
        refresh_token="180 days and rotated (365 days in older documentation): always store the newest",
        post_scopes=("video.publish", "video.upload", "user.info.basic"),
    ),
    oauth=OAuth2(
        app_id_field="client_key",
        app_secret_field="client_secret",
        authorize_url="https://www.tiktok.com/v2/auth/authorize/",
        token_url="https://open.tiktokapis.com/v2/oauth/token/",
        scopes=("user.info.basic", "user.info.profile", "video.publish", "video.upload"),
        scope_separator=",",
        pkce=True,
        client_id_param="client_key",
        revocation_url="https://open.tiktokapis.com/v2/oauth/revoke/",
        find_accounts=find_user,
    ),
)
