from django.db import models

from ..fields import SecretField
from ..models import Credential, UploadStats
from .base import ConnectedAccount, OAuth2, Platform, TokenFacts


class YouTubeCredential(Credential, UploadStats):
    platform_key = "youtube"

    channel_id = models.CharField(max_length=100, null=True, blank=True)
    channel_name = models.CharField(max_length=200, null=True, blank=True)
    client_id = models.CharField(max_length=200, null=True, blank=True)
    client_secret = SecretField()

    class Meta(Credential.Meta):
        db_table = "youtube_credentials"
        verbose_name = "YouTube credential"


def find_channels(api, token):
    answer = api.get_json(
        "https://www.googleapis.com/youtube/v3/channels",
        token=token["access_token"],
        params={"part": "snippet", "mine": "true"},
    )
    return [
        ConnectedAccount(
            label=f"{channel['snippet']['title']} (YouTube channel)",
            identity={"channel_id": channel["id"]},
            fields={"channel_name": channel["snippet"]["title"]},
        )
        for channel in answer.get("items", [])
    ]


PLATFORM = Platform(
    key="youtube",
    label="YouTube",
    model=YouTubeCredential,
    identity_fields=("channel_name", "channel_id"),
    app_fields=("client_id", "client_secret"),
    token_facts=TokenFacts(
        access_token_life="1 hour",
        refresh_token=(
            "long-lived and not rotated (needs access_type=offline&prompt=consent); revoked by "
            "the user, after 6 months unused, or by a per-user cap; 7 days while the app is in "
            "Testing"
        ),
        post_scopes=("https://www.googleapis.com/auth/youtube.upload",),
    ),
    oauth=OAuth2(
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",
        scopes=("https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"),
        pkce=True,
        # Without both, Google sends no refresh token (or none on a reconnect).
        authorize_params=(("access_type", "offline"), ("prompt", "consent")),
        revocation_url="https://oauth2.googleapis.com/revoke",
        find_accounts=find_channels,
    ),
)
