"""Django's error reports, with every credential secret in POST data masked."""

from django.views.debug import SafeExceptionReporterFilter

from .platforms import REGISTRY

SECRET_FIELD_NAMES = frozenset(name for p in REGISTRY.values() for name in p.secret_fields)


class SecretsReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not any(name in parameters for name in SECRET_FIELD_NAMES):
            return parameters
        masked = parameters.copy()
        for name in SECRET_FIELD_NAMES & set(masked):
            masked[name] = self.cleansed_substitute
        return masked
