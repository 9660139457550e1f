"""Which platform app a connection goes through: the credential's own, or the platform's default.

A credential naming its own app (its app id and secret fields are both set) uses it;
otherwise the platform's default app comes from the environment as
`<PLATFORM>_OAUTH_CLIENT_ID` and `<PLATFORM>_OAUTH_CLIENT_SECRET` (e.g. TIKTOK_OAUTH_CLIENT_ID),
or for OAuth 1.0a `<PLATFORM>_OAUTH1_CONSUMER_KEY` and `<PLATFORM>_OAUTH1_CONSUMER_SECRET`,
named after the registry key so that a new platform needs no new setting.
"""

import environ

from .client import AppCredentials

env = environ.Env()


class AppNotConfigured(Exception):
    """No app to connect through; the message says what to set."""


def default_app_variables(platform, *, oauth1=False):
    if oauth1:
        return f"{platform.key.upper()}_OAUTH1_CONSUMER_KEY", f"{platform.key.upper()}_OAUTH1_CONSUMER_SECRET"
    return f"{platform.key.upper()}_OAUTH_CLIENT_ID", f"{platform.key.upper()}_OAUTH_CLIENT_SECRET"


def app_credentials(platform, credential=None, *, oauth1=False):
    declaration = platform.oauth1 if oauth1 else platform.oauth
    if credential is not None:
        app_id = getattr(credential, declaration.app_id_field)
        secret = getattr(credential, declaration.app_secret_field)
        if app_id and secret is not None:
            return AppCredentials(app_id, secret.reveal())
    id_variable, secret_variable = default_app_variables(platform, oauth1=oauth1)
    app_id, secret = env.str(id_variable, default=""), env.str(secret_variable, default="")
    if not (app_id and secret):
        raise AppNotConfigured(
            f"No {platform.label} app is configured: set {id_variable} and {secret_variable}, "
            f"or the credential's own {declaration.app_id_field} and {declaration.app_secret_field}."
        )
    return AppCredentials(app_id, secret)
