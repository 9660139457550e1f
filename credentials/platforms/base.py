"""What the console knows of a platform, besides its model's fields and rules."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ..fields import SecretField


@dataclass(frozen=True)
class ConnectedAccount:
    """A platform account the customer connected, or one they may choose, as its credential holds it.

    A platform's `find_accounts` returns one per account the grant reaches (a Facebook user's
    pages, a LinkedIn member and the organizations they administer); more than one means the
    customer chooses before anything is saved.
    """

    label: str  # what the customer reads on the choice and done pages
    # The fields naming the account (a channel id, a page id): a reconnect must find the same
    # values, and another credential of the tenant holding them is the same account.
    identity: dict
    fields: dict = field(default_factory=dict)  # other plain fields to write (names, account type)
    secrets: dict = field(default_factory=dict)  # secret fields beyond access/refresh (a page token)


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
    # Without a revocation_url: why the console does not revoke, where the platform has some other way.
    no_revocation_because: str = ""
    # Sent as User-Agent on every call; Reddit refuses generic ones.
    user_agent: str = "credentials-console/1.0"
    # After connecting: find_accounts(api, token) -> [ConnectedAccount], the identity lookup.
    # `api` (oauth.client.PlatformClient) makes the platform's calls; `token` is the token
    # answer (after `exchange`). Required: a credential never saves without its identity.
    find_accounts: Callable | None = None
    # exchange(api, token) -> token: what to keep instead of the code's token (Facebook's
    # long-lived token for the short-lived one); None keeps the code's.
    exchange: Callable | None = None
    # granted_scopes(api, token) -> [scope]: for platforms whose token answer does not say
    # what was granted (Facebook); otherwise the answer's `scope` is read.
    granted_scopes: Callable | None = None


@dataclass(frozen=True)
class OAuth1:
    """How a platform runs OAuth 1.0a (X's legacy apps): request token, authorize, access token."""

    request_token_url: str
    authorize_url: str
    access_token_url: str
    # The credential field and value that mark a credential as using it instead of OAuth 2.0.
    used_when: tuple[str, str]
    app_id_field: str
    app_secret_field: str
    token_secret_field: str  # where the access token's secret is kept
    # find_accounts(answer) -> [ConnectedAccount], from the access-token answer itself.
    find_accounts: Callable
    revocation_url: str | None = None
    # The identity call a test makes with the stored token (signed), and find_verified(answer) ->
    # [ConnectedAccount] read from its answer.
    verify_url: str | None = None
    find_verified: Callable | None = None


@dataclass(frozen=True)
class RefreshPolicy:
    """How and when a credential's access token is renewed, scheduled from the expiry the
    platform returned (`token_expiry`), never from a constant life."""

    # "refresh_token": the OAuth 2.0 refresh grant, while the credential holds a refresh token;
    # "exchange": the declaration's `exchange` swaps the current token for a fresh long-lived one
    # (Facebook); None: it cannot be renewed, a person reconnects.
    method: str | None
    ahead: timedelta = timedelta(minutes=10)  # renew this long before token_expiry
    min_age: timedelta = timedelta(0)  # and not before the token is this old (Instagram: 24 h)
    # Where it cannot be renewed: "reconnect needed by <date>" shows this long before.
    warn_ahead: timedelta = timedelta(days=14)


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
    oauth: OAuth2 | None = None  # how its accounts are connected
    oauth1: OAuth1 | None = None  # a legacy protocol some of its credentials still use
    refresh: RefreshPolicy = RefreshPolicy("refresh_token")  # OAuth 1.0a tokens are never due
    # posting_scopes(credential) -> scopes the credential needs to post; by default the
    # token facts' post_scopes (LinkedIn's depend on whom it posts as).
    posting_scopes: Callable | None = None

    @property
    def collection(self):
        return self.model._meta.db_table

    @property
    def own_fields(self):
        return self.identity_fields + self.account_fields + self.app_fields + self.token_fields

    @property
    def secret_fields(self):
        return tuple(f.name for f in self.model._meta.concrete_fields if isinstance(f, SecretField))

    def uses_oauth1(self, credential):
        if self.oauth1 is None or credential is None:
            return False
        name, value = self.oauth1.used_when
        return getattr(credential, name) == value

    def renewable(self, credential, now):
        """How the credential's access token can be renewed now ("refresh_token", "exchange"), or None."""
        method = self.refresh.method
        if credential.access_token is None or self.uses_oauth1(credential) or method is None:
            return None
        if method == "refresh_token":
            if credential.refresh_token is None:
                return None
            refresh_expiry = getattr(credential, "refresh_token_expiry", None)
            if refresh_expiry is not None and refresh_expiry <= now:
                return None  # TikTok's refresh tokens die too
        return method

    def next_refresh_at(self, credential, now):
        """When the refresher should renew the credential next: None when never (no expiry, no way)."""
        if credential.token_expiry is None or not self.renewable(credential, now):
            return None
        ahead, min_age = self.refresh.ahead, self.refresh.min_age
        if credential.last_token_refresh and credential.token_expiry > credential.last_token_refresh:
            # A token living shorter than the policy's margins assume (a platform's change, a demo's
            # emulator) is renewed at half its life, not at once and again at every poll.
            half_life = (credential.token_expiry - credential.last_token_refresh) / 2
            ahead, min_age = min(ahead, half_life), min(min_age, half_life)
        due = credential.token_expiry - ahead
        if min_age and credential.last_token_refresh:
            due = max(due, credential.last_token_refresh + min_age)
        return due

    def reconnect_by(self, credential, now):
        """The date a person must reconnect by: when the last token that can keep it alive expires
        (the access token without a way to renew it; TikTok's refresh token), else None."""
        if credential.access_token is None:
            return None
        if self.renewable(credential, now):
            return getattr(credential, "refresh_token_expiry", None)
        return credential.token_expiry

    @property
    def why_not_revoked(self):
        """Why a disconnect clears the tokens here only (the platform's OAuth 2.0 offers no revocation)."""
        return self.oauth.no_revocation_because or f"{self.label} offers no revocation"

    def missing_scopes(self, credential):
        """The posting scopes a credential lacks, once its granted scopes are known (else none)."""
        if not credential.scopes or self.uses_oauth1(credential):
            return []
        needed = self.posting_scopes(credential) if self.posting_scopes else self.token_facts.post_scopes
        return [scope for scope in needed if scope not in credential.scopes]

    @property
    def choice_fields(self):
        return tuple(f.name for f in self.model._meta.concrete_fields if f.choices)
