"""`check --deploy`: customers reach the connect pages, and platforms send them back, over HTTPS."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_public_url_is_https(app_configs=None, **kwargs):
    if not settings.DEBUG and not settings.CONSOLE_PUBLIC_URL.startswith("https://"):
        return [
            checks.Warning(
                f"CONSOLE_PUBLIC_URL is {settings.CONSOLE_PUBLIC_URL!r}: connect links and OAuth callbacks "
                "would travel without TLS, and platforms refuse non-HTTPS redirect URIs",
                hint="Set CONSOLE_PUBLIC_URL to the console's https:// address.",
                id="connect.W001",
            )
        ]
    return []
