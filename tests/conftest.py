import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from credentials.platforms import REGISTRY
from tests.factories import sign_in_verified

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mongodb_uri():
    """The server under test: MONGODB_URI if given, else an embedded in-memory SecantusDB."""
    if settings.EXTERNAL_MONGODB_URI:
        yield settings.EXTERNAL_MONGODB_URI
        return
    from credsite.devdb import start_server

    server = start_server(port=0, data_dir=":memory:")
    yield server.uri
    server.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(mongodb_uri):
    settings.DATABASES["default"]["HOST"] = mongodb_uri
    connections["default"].settings_dict["HOST"] = mongodb_uri


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Django's test database, with the credential collections created as in production."""
    with django_db_blocker.unblock():
        call_command("apply_cred_migrations", stdout=open(os.devnull, "w"))


@pytest.fixture(autouse=True)
def _empty_credential_collections(request):
    """Django flushes the collections it manages after each test; these it does not manage."""
    if "django_db_setup" in request.fixturenames:
        # The test database first: never clear the database the settings name.
        request.getfixturevalue("django_db_setup")
        blocker = request.getfixturevalue("django_db_blocker")
        with blocker.unblock():
            for platform in REGISTRY.values():
                connection.database[platform.collection].delete_many({})


@pytest.fixture
def mongo_db(db):
    """The pymongo Database the ORM writes to, for reading documents as stored."""
    return connection.database


@pytest.fixture
def scratch_db(db, mongodb_uri):
    """An empty database of its own on the same server, dropped afterwards."""
    client = connection.database.client
    name = f"test_scratch_{uuid.uuid4().hex[:12]}"
    yield client[name]
    client.drop_database(name)


@pytest.fixture
def manage(mongodb_uri):
    """Run `manage.py` in a child process, as an operator would, against a given database."""

    def run(*args, database, timeout=120, env=None, **popen):
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "credsite.settings",
            "DEBUG": "true",
            "MONGODB_URI": mongodb_uri,
            "MONGODB_NAME": database,
            "MONGODB_TIMEOUT_MS": "3000",
            "CREDENTIALS_ENCRYPTION_KEYS": ",".join(settings.CREDENTIALS_ENCRYPTION_KEYS),
            **(env or {}),
        }
        command = [sys.executable, str(PROJECT_DIR / "manage.py"), *args]
        if popen.pop("background", False):
            return subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=environment,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                **popen,
            )
        return subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env=environment,
            text=True,
            capture_output=True,
            timeout=timeout,
            **popen,
        )

    return run


@pytest.fixture
def verified_login():
    """`verified_login(client, user)`: signed in with password and second factor."""
    return sign_in_verified


@pytest.fixture
def admin_client(db, admin_user):
    """A superuser signed in with a second factor (pytest-django's, verified)."""
    from django.test import Client

    return sign_in_verified(Client(), admin_user)


@pytest.fixture
def staff_user(db):
    """A staff user granted tenants "acme" and "globex", with every credential permission."""
    from django.contrib.auth.models import Permission, User

    from tenancy.models import TenantAccess

    user = User.objects.create_user("scoped", password="scoped-password-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="credentials"))
    TenantAccess.objects.create(user=user, customer_ids=["acme", "globex"])
    return user


@pytest.fixture
def staff_client(client, staff_user):
    return sign_in_verified(client, staff_user)


# --- A real OAuth 2.0 authorization server (npm oidc-provider): see tests/oauth_server/ ---


@pytest.fixture(scope="session")
def oauth_server():
    """oidc-provider on loopback, started once per session; needs `make install` (node_modules).

    `.issuer`, `.authorization_endpoint`, `.token_endpoint`, `.revocation_endpoint`,
    `.introspection_endpoint`; `.clients`: name -> (client_id, client_secret, auth method) for
    "basic" (client_secret_basic) and "post" (client_secret_post); `.redirect_uri`; and
    `.authorize(url)`: the query dict of the redirect that ends an authorize URL.
    """
    from tests.oauth_server import start_oauth_server

    with start_oauth_server() as server:
        yield server


# --- The platform emulator (devtools/oauth_emulator), and the console pointed at it ---


@pytest.fixture(scope="session")
def emulator():
    """Every platform's OAuth and identity endpoints on loopback, started once per session."""
    from devtools.oauth_emulator import start_emulator

    running = start_emulator()
    yield running
    running.stop()


@pytest.fixture
def emulated_platforms(emulator, settings, monkeypatch):
    """The console calls the emulator for every platform, through its default apps, and is
    served (for callbacks) at http://testserver, the Django test client's address."""
    settings.OAUTH_ORIGIN_OVERRIDES = emulator.origin_overrides()
    settings.CONSOLE_PUBLIC_URL = "http://testserver"
    for name, value in emulator.app_environment().items():
        monkeypatch.setenv(name, value)
    return emulator


# --- Credentials holding real emulator tokens -------------------------------------------------


@pytest.fixture
def issue_tokens(emulated_platforms):
    """A token answer from the emulator, got as connecting would (consent, code, exchange)."""
    from oauth.app_credentials import app_credentials
    from oauth.client import PlatformClient

    def issue(platform_key, account=0):
        platform = REGISTRY[platform_key]
        client = PlatformClient(
            platform.oauth,
            app_credentials(platform),
            redirect_uri=f"http://testserver/connect/callback/{platform_key}/",
        )
        url, verifier = client.authorization_url("state")
        callback = emulated_platforms.consent(url, account=account)
        token = client.exchange_code(dict(parse_qsl(urlsplit(callback).query))["code"], code_verifier=verifier)
        if platform.oauth.exchange:
            token = {**token, **platform.oauth.exchange(client, token)}
        return token

    return issue


@pytest.fixture
def connected(db, issue_tokens):
    """A credential holding real emulator tokens through the platform's default app, due now
    unless `token_expiry` says otherwise."""
    from django.utils import timezone

    from tests.factories import FACTORIES

    def make(platform_key, account=0, **fields):
        platform = REGISTRY[platform_key]
        token = issue_tokens(platform_key, account)
        # A 60-day long-lived token with 5 days left, or a 1-hour token with 5 minutes left.
        life, due_soon = (
            (timedelta(days=60), timedelta(days=5))
            if platform.refresh.method == "exchange"
            else (timedelta(hours=1), timedelta(minutes=5))
        )
        values = {
            "customer_id": "acme",
            "access_token": token["access_token"],
            "refresh_token": token.get("refresh_token"),
            "token_expiry": timezone.now() + due_soon,
            "last_token_refresh": timezone.now() + due_soon - life,
            "scopes": list(platform.token_facts.post_scopes),
            platform.oauth.app_id_field: None,
            platform.oauth.app_secret_field: None,
            **fields,
        }
        return FACTORIES[platform_key](**values)

    return make
