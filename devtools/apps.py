from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Registers the development-only commands (`oauth_emulator`); it has no models."""

    name = "devtools"
    verbose_name = "Development tools"
