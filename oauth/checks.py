"""`check --deploy`: origin overrides belong to tests, demos and staging, not production."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_no_origin_overrides_in_production(app_configs=None, **kwargs):
    if settings.OAUTH_ORIGIN_OVERRIDES and not settings.DEBUG:
        origins = ", ".join(sorted(settings.OAUTH_ORIGIN_OVERRIDES))
        return [
            checks.Warning(
                f"OAUTH_ORIGIN_OVERRIDES sends OAuth traffic for {origins} elsewhere",
                hint="Leave OAUTH_ORIGIN_OVERRIDES unset in production.",
                id="oauth.W001",
            )
        ]
    return []
