from django.core.exceptions import ValidationError
from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import ConnectedAccount, OAuth1, OAuth2, Platform, TokenFacts


class TwitterCredential(Credential, PostStats):
    platform_key = "twitter"

    class AuthType(models.TextChoices):
        OAUTH2 = "oauth2", "OAuth 2.0"
        OAUTH1A = "oauth1a", "OAuth 1.0a (legacy)"

    user_id = models.CharField(max_length=100, null=True, blank=True)
    username = models.CharField(max_length=100, null=True, blank=True)
    auth_type = models.CharField(
        max_length=10, choices=AuthType.choices, default=AuthType.OAUTH2, null=True, blank=True
    )
    client_id = models.CharField("client id (OAuth 2.0)", max_length=200, null=True, blank=True)
    client_secret = SecretField("client secret (OAuth 2.0)")
    api_key = models.CharField("API key (OAuth 1.0a)", max_length=200, null=True, blank=True)
    api_secret = SecretField("API secret (OAuth 1.0a)")
    access_token_secret = SecretField("access token secret (OAuth 1.0a)")

    class Meta(Credential.Meta):
        db_table = "twitter_credentials"
        verbose_name = "Twitter/X credential"

    def clean(self):
        super().clean()
        if self.auth_type == self.AuthType.OAUTH2:
            app_fields, default_app = ("client_id", "client_secret"), "TWITTER_OAUTH_CLIENT_ID"
        elif self.auth_type == self.AuthType.OAUTH1A:
            app_fields, default_app = ("api_key", "api_secret"), "TWITTER_OAUTH1_CONSUMER_KEY"
        else:
            raise ValidationError({"auth_type": f"{self.label('auth_type')} is required: OAuth 2.0 or OAuth 1.0a."})
        first, second = (self._meta.get_field(name).verbose_name for name in app_fields)
        missing = {}
        # An own app needs both halves; neither means the platform's default app.
        if any(getattr(self, name) for name in app_fields):
            missing |= self.missing_fields(
                app_fields,
                f"a credential's own {self.get_auth_type_display()} app needs both the {first} and the {second}; "
                f"leave both blank to use the default app, {default_app}.",
            )
        if self.auth_type == self.AuthType.OAUTH1A and self.access_token:
            missing |= self.missing_fields(
                ("access_token_secret",), "OAuth 1.0a signs with it whenever an access token is set."
            )
        if missing:
            raise ValidationError(missing)


def find_user(api, token):
    user = api.get_json("https://api.x.com/2/users/me", token=token["access_token"])["data"]
    return [
        ConnectedAccount(
            label=f"@{user['username']} (X)",
            identity={"user_id": user["id"]},
            fields={"username": user["username"], "auth_type": TwitterCredential.AuthType.OAUTH2},
        )
    ]


def user_in_access_token_answer(answer):
    return [
        ConnectedAccount(
            label=f"@{answer['screen_name']} (X)",
            identity={"user_id": answer["user_id"]},
            fields={"username": answer["screen_name"], "auth_type": TwitterCredential.AuthType.OAUTH1A},
        )
    ]


def user_verified(answer):
    """The user in verify_credentials' answer, named as the access-token answer names it."""
    return user_in_access_token_answer({"user_id": answer["id_str"], "screen_name": answer["screen_name"]})


PLATFORM = Platform(
    key="twitter",
    label="Twitter/X",
    model=TwitterCredential,
    identity_fields=("username", "user_id"),
    account_fields=("auth_type",),
    app_fields=("client_id", "client_secret", "api_key", "api_secret"),
    token_fields=("access_token_secret",),
    token_facts=TokenFacts(
        access_token_life="OAuth 2.0: 2 hours; OAuth 1.0a: does not expire",
        refresh_token="OAuth 2.0 only with offline.access; single-use and rotated",
        post_scopes=("tweet.read", "tweet.write", "users.read", "offline.access", "media.write"),
    ),
    # OAuth 2.0 apps; legacy OAuth 1.0a apps keep their token and secret, which never expire.
    oauth=OAuth2(
        authorize_url="https://x.com/i/oauth2/authorize",
        token_url="https://api.x.com/2/oauth2/token",
        scopes=("tweet.read", "tweet.write", "users.read", "offline.access", "media.write"),
        pkce=True,
        client_auth="client_secret_basic",
        revocation_url="https://api.x.com/2/oauth2/revoke",
        find_accounts=find_user,
    ),
    oauth1=OAuth1(
        request_token_url="https://api.x.com/oauth/request_token",
        authorize_url="https://api.x.com/oauth/authorize",
        access_token_url="https://api.x.com/oauth/access_token",
        used_when=("auth_type", TwitterCredential.AuthType.OAUTH1A),
        app_id_field="api_key",
        app_secret_field="api_secret",
        token_secret_field="access_token_secret",
        find_accounts=user_in_access_token_answer,
        revocation_url="https://api.x.com/1.1/oauth/invalidate_token",
        verify_url="https://api.x.com/1.1/account/verify_credentials.json",
        find_verified=user_verified,
    ),
)
