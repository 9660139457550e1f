"""Django's error reports (the DEBUG 500 page, error mails), with the console's secrets masked.

Every credential secret posted in a form is masked, and so is the database password
wherever the report would show it: in MONGODB_URI and the database settings, in
request.META (runserver copies the environment into it), and in the traceback's local
variables, where pymongo's URI parser holds it in pieces (`userinfo`, `passwd`). The rest
of a URI (user, host, options) stays visible for debugging.
"""

from urllib.parse import unquote_plus

from django.conf import settings
from django.template.defaultfilters import pprint
from django.views.debug import SafeExceptionReporterFilter

from .mongo import mask_passwords, uri_password
from .platforms import SECRET_FIELD_NAMES


def database_passwords():
    """The configured MongoDB passwords, as written and as pymongo decodes them, longest first."""
    databases = settings.DATABASES.values()
    uris = [getattr(settings, "MONGODB_URI", ""), *(database.get("HOST") or "" for database in databases)]
    written = {*map(uri_password, uris), *(database.get("PASSWORD") for database in databases)}
    passwords = {form for password in written if password for form in (password, unquote_plus(password))}
    # Longest first: masking a short one first could leave the rest of a longer one shown.
    return sorted(passwords, key=len, reverse=True)


class Shown:
    """A value the report prints as `text`: a local variable's repr, its passwords masked."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


class SecretsReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        # Masked even with DEBUG on, where Django masks nothing: credential secrets, and the
        # password and codes of the sign-in forms.
        secret_names = SECRET_FIELD_NAMES | set(settings.SIGN_IN_SECRET_FIELDS)
        if request is None or not any(name in parameters for name in secret_names):
            return parameters
        masked = parameters.copy()
        for name in secret_names & set(masked):
            masked[name] = self.cleansed_substitute
        return masked

    def cleanse_setting(self, key, value):
        """Settings, request.META and cookies (Django recurses through dicts and lists here)."""
        cleansed = super().cleanse_setting(key, value)
        if not isinstance(cleansed, str):
            return cleansed
        # str() too: a lazy setting passes for a str but is none to the regex.
        masked = self.mask(str(cleansed))
        return cleansed if masked == cleansed else masked

    def get_traceback_frame_variables(self, request, tb_frame):
        """Judged on the repr the report prints, so that no container of a URI is missed."""
        return [(name, self._masked(value)) for name, value in super().get_traceback_frame_variables(request, tb_frame)]

    def _masked(self, value):
        shown = pprint(value)
        masked = self.mask(shown)
        return value if masked == shown else Shown(masked)

    def mask(self, text):
        """`text` with the password of any MongoDB URI in it, and the configured ones anywhere, masked."""
        text = mask_passwords(text, self.cleansed_substitute)
        for password in database_passwords():
            text = text.replace(password, self.cleansed_substitute)
        return text
