"""What the console knows of a platform, besides its model's fields and rules."""

from dataclasses import dataclass

from ..fields import SecretField


@dataclass(frozen=True)
class TokenFacts:
    """Token facts from shared/spec/platforms.md, shown to staff on the change form.

    Scheduling code must use the `expires_in` a token response returns, never these texts.
    """

    access_token_life: str
    refresh_token: str
    post_scopes: tuple[str, ...]


@dataclass(frozen=True)
class OAuth2:
    """How the platform runs the OAuth 2.0 authorization code flow (shared/spec/platforms.md).

    Real origins only: OAUTH_ORIGIN_OVERRIDES (oauth.origins) points them elsewhere for
    tests and demos.
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]  # asked for when connecting
    scope_separator: str = " "
    pkce: bool = False  # PKCE S256 on every flow
    # How the app proves itself at the token endpoint: "client_secret_post" (form fields) or
    # "client_secret_basic" (HTTP Basic).
    client_auth: str = "client_secret_post"
    client_id_param: str = "client_id"  # TikTok calls it client_key
    # The credential's fields naming its own app, used instead of the platform's default app.
    app_id_field: str = "client_id"
    app_secret_field: str = "client_secret"
    authorize_params: tuple[tuple[str, str], ...] = ()  # extra, e.g. Google's access_type=offline
    token_request_method: str = "POST"  # Facebook's token endpoint takes GET
    revocation_url: str | None = None
    # Sent as User-Agent on every call; Reddit refuses generic ones.
    user_agent: str = "credentials-console/1.0"


@dataclass(frozen=True)
class Platform:
    """One platform's entry in the registry.

    The platform's own model fields are grouped as staff think of them; together the
    four groups name every field the model adds to the common ones.
    """

    key: str  # the `platform` value and registry key, e.g. "youtube"
    label: str  # what staff read, e.g. "YouTube"
    model: type
    token_facts: TokenFacts
    identity_fields: tuple[str, ...]  # the platform account, most recognisable first
    account_fields: tuple[str, ...] = ()  # how the account posts (types, defaults)
    app_fields: tuple[str, ...] = ()  # the OAuth app the credential was issued to
    token_fields: tuple[str, ...] = ()  # tokens beyond the common access/refresh pair
    # The dates after which the credential stops working; its token status is the earliest.
    expiry_fields: tuple[str, ...] = ("token_expiry",)
    oauth: OAuth2 | None = None  # how its accounts are connected

    @property
    def collection(self):
        return self.model._meta.db_table

    @property
    def own_fields(self):
        return self.identity_fields + self.account_fields + self.app_fields + self.token_fields

    @property
    def secret_fields(self):
        return tuple(f.name for f in self.model._meta.concrete_fields if isinstance(f, SecretField))

    @property
    def choice_fields(self):
        return tuple(f.name for f in self.model._meta.concrete_fields if f.choices)
