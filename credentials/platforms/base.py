"""What the console knows of a platform, besides its model's fields and rules."""

from dataclasses import dataclass

from ..fields import SecretField


@dataclass(frozen=True)
class TokenFacts:
    """Token facts from shared/spec/platforms.md, shown to staff on the change form.

    Scheduling code must use the `expires_in` a token response returns, never these texts.
    """

    authorize_url: str
    token_url: str
    access_token_life: str
    refresh_token: str
    post_scopes: tuple[str, ...]
    pkce: str


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
