"""Django's error reports, with every credential secret in POST data masked."""

from django.views.debug import SafeExceptionReporterFilter

from .platforms import SECRET_FIELD_NAMES


class SecretsReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not any(name in parameters for name in SECRET_FIELD_NAMES):
            return parameters
        masked = parameters.copy()
        for name in SECRET_FIELD_NAMES & set(masked):
            masked[name] = self.cleansed_substitute
        return masked
