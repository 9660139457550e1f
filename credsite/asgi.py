import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credsite.settings")
application = get_asgi_application()

# Refuse to serve without valid encryption keys, rather than fail on the first secret.
from credentials.secrets import keyring  # noqa: E402

keyring()
