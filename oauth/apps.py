from django.apps import AppConfig


class OAuthConfig(AppConfig):
    name = "oauth"
    verbose_name = "OAuth"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy check)
