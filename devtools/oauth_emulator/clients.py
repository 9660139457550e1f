"""The emulated platform apps: one confidential client per platform, plus X's OAuth 1.0a consumer."""

# The registry keys (credentials.platforms.REGISTRY), spelled out so the emulator needs no Django.
PLATFORM_KEYS = ("youtube", "instagram", "tiktok", "twitter", "linkedin", "facebook", "reddit")

CLIENTS = {key: (f"emulator-{key}", f"emulator-{key}-secret") for key in PLATFORM_KEYS}
OAUTH1_CONSUMER = ("emulator-twitter-oauth1", "emulator-twitter-oauth1-secret")

_PLATFORM_OF_CLIENT = {client_id: key for key, (client_id, _) in CLIENTS.items()}


def platform_of(client_id):
    """The platform key whose emulated app has this client id, or None."""
    return _PLATFORM_OF_CLIENT.get(client_id)


def app_environment():
    """The console's default-app variables (oauth.app_credentials) naming the emulated apps.

    <KEY>_OAUTH_CLIENT_ID and _SECRET for the seven platforms, and X's OAuth 1.0a consumer as
    TWITTER_OAUTH1_CONSUMER_KEY and _SECRET.
    """
    environment = {}
    for key, (client_id, client_secret) in CLIENTS.items():
        environment[f"{key.upper()}_OAUTH_CLIENT_ID"] = client_id
        environment[f"{key.upper()}_OAUTH_CLIENT_SECRET"] = client_secret
    environment["TWITTER_OAUTH1_CONSUMER_KEY"], environment["TWITTER_OAUTH1_CONSUMER_SECRET"] = OAUTH1_CONSUMER
    return environment
