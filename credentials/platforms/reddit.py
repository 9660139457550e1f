import re

from django.core.exceptions import ValidationError
from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import ConnectedAccount, OAuth2, Platform, TokenFacts

SUBREDDIT_NAME = re.compile(r"^[A-Za-z0-9_]{3,21}$")


class RedditCredential(Credential, PostStats):
    platform_key = "reddit"

    username = models.CharField(max_length=100, null=True, blank=True)
    user_id = models.CharField(max_length=100, null=True, blank=True)
    client_id = models.CharField(max_length=200, null=True, blank=True)
    client_secret = SecretField()
    default_subreddit = models.CharField(
        max_length=30, null=True, blank=True, help_text="Without the r/ prefix, e.g. 'python'."
    )

    class Meta(Credential.Meta):
        db_table = "reddit_credentials"
        verbose_name = "Reddit credential"

    def clean(self):
        super().clean()
        if self.default_subreddit:
            name = self.default_subreddit.strip().removeprefix("/").removeprefix("r/")
            if not SUBREDDIT_NAME.match(name):
                raise ValidationError(
                    {
                        "default_subreddit": (
                            f"{self.label('default_subreddit')} must be 3 to 21 letters, digits or underscores "
                            "(an r/ prefix is allowed and removed)."
                        )
                    }
                )
            self.default_subreddit = name


def find_user(api, token):
    user = api.get_json("https://oauth.reddit.com/api/v1/me", token=token["access_token"])
    return [
        ConnectedAccount(
            label=f"u/{user['name']} (Reddit)", identity={"user_id": user["id"]}, fields={"username": user["name"]}
        )
    ]


PLATFORM = Platform(
    key="reddit",
    label="Reddit",
    model=RedditCredential,
    identity_fields=("username", "user_id"),
    account_fields=("default_subreddit",),
    app_fields=("client_id", "client_secret"),
    token_facts=TokenFacts(
        access_token_life="1 hour",
        refresh_token="permanent until revoked, only with duration=permanent",
        post_scopes=("identity", "submit"),
    ),
    oauth=OAuth2(
        authorize_url="https://www.reddit.com/api/v1/authorize",
        token_url="https://www.reddit.com/api/v1/access_token",
        scopes=("identity", "submit"),
        client_auth="client_secret_basic",
        # Without it Reddit issues no refresh token.
        authorize_params=(("duration", "permanent"),),
        revocation_url="https://www.reddit.com/api/v1/revoke_token",
        # Reddit throttles or refuses generic user agents.
        user_agent="server:credentials-console:1.0 (by the publishing company's console)",
        find_accounts=find_user,
    ),
)
