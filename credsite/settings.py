"""Settings for the credentials console, read from the environment (or a `.env` file).

Every variable is listed in the README. Defaults suit development on the embedded
database; production sets DEBUG=false and must then give SECRET_KEY, ALLOWED_HOSTS and
MONGODB_URI explicitly.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required_in_production(name, dev_default):
    """Development may rely on a default; production must say it explicitly."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is false")


def _number(name, kind, default):
    """A numeric setting (`kind` "int" or "float"); anything else stops start-up naming it."""
    try:
        return getattr(env, kind)(name, default=default)
    except ValueError:
        wanted = "a whole number" if kind == "int" else "a number"
        raise ImproperlyConfigured(f"{name} must be {wanted}, not {env.str(name)!r}") from None


SECRET_KEY = _required_in_production("SECRET_KEY", "dev-only-insecure-secret-key-do-not-deploy")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

# The embedded development database (`manage.py devdb`) listens here by default.
DEVDB_DEFAULT_URI = "mongodb://127.0.0.1:27018/"
MONGODB_URI = _required_in_production("MONGODB_URI", DEVDB_DEFAULT_URI)
MONGODB_NAME = env.str("MONGODB_NAME", default="credentials_console")

INSTALLED_APPS = [
    "credsite.apps.MongoAdminConfig",
    "credsite.apps.MongoAuthConfig",
    "credsite.apps.MongoContentTypesConfig",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_mongodb_backend",
    "django_otp",
    "credsite.apps.MongoOTPTOTPConfig",
    "credsite.apps.MongoOTPStaticConfig",
    "two_factor",
    "credsite.apps.MongoAxesConfig",
    "tenancy",
    "credentials",
    "oauth",
    "connect",
    "refresh",
    "customers",
    "devtools",  # development-only commands; nothing else imports it
    # After the apps whose admin pages it replaces (users, groups, devices, lockouts).
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: it tells a person signed out for idling why.
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "credsite.urls"
WSGI_APPLICATION = "credsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Overrides of third-party templates (Django's admin, django-two-factor-auth), which
        # app templates listed after those apps could not shadow.
        "DIRS": [BASE_DIR / "credsite" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django_mongodb_backend",
        "HOST": MONGODB_URI,
        "NAME": MONGODB_NAME,
        "OPTIONS": {
            # Fail fast with a clear message instead of pymongo's 30 s default.
            "serverSelectionTimeoutMS": _number("MONGODB_TIMEOUT_MS", "int", 10_000),
        },
    },
}

DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
# Django's own apps get ObjectId primary keys through these migrations. The credential
# models have none: their collections belong to migrations_mongo/ (apply_cred_migrations),
# so a new platform needs no Django migration.
MIGRATION_MODULES = {
    "admin": "mongo_migrations.admin",
    "auth": "mongo_migrations.auth",
    "contenttypes": "mongo_migrations.contenttypes",
    "otp_totp": "mongo_migrations.otp_totp",
    "otp_static": "mongo_migrations.otp_static",
    "axes": "mongo_migrations.axes",
    # Its migrations only create and delete a phone device this console does not use.
    "two_factor": None,
    "credentials": None,
}

# Staff sign in at /account/login/: password, then a one-time code (django-two-factor-auth
# over django-otp). Django's admin login redirects there.
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "admin:index"
LOGOUT_REDIRECT_URL = "two_factor:login"
# Every staff page needs a verified second factor. Only development and tests may turn it off.
CONSOLE_REQUIRE_MFA = env.bool("CONSOLE_REQUIRE_MFA", default=True)
if not CONSOLE_REQUIRE_MFA and not DEBUG:
    raise ImproperlyConfigured("CONSOLE_REQUIRE_MFA may be false only when DEBUG is true")
TWO_FACTOR_PATCH_ADMIN = False  # the console's admin site does it (credentials.sites)
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # no "remember this browser": every sign-in asks for a code
TWO_FACTOR_LOGIN_TIMEOUT = 300  # seconds between the password and the code

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username or address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (django-axes, database handler: it holds across processes and hosts).
# A username, and separately a client address, is locked after SIGNIN_FAILURE_LIMIT
# failures for SIGNIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = _number("SIGNIN_FAILURE_LIMIT", "int", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_number("SIGNIN_LOCKOUT_MINUTES", "float", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe failures: one account that can sign in would otherwise clear the
# failures of every username tried from its address.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False  # no banner on every command; lockouts are still logged (logger "axes")
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
# The sign-in and enrollment forms' secret fields (django-two-factor-auth prefixes each with
# its step): never kept in an attempt's record, and masked on error pages, DEBUG included.
SIGN_IN_SECRET_FIELDS = ["auth-password", "token-otp_token", "backup-otp_token", "generator-token"]
AXES_PASSWORD_FORM_FIELD = "auth-password"
AXES_SENSITIVE_PARAMETERS = SIGN_IN_SECRET_FIELDS
# How many reverse proxies in front of the console append to X-Forwarded-For (0: none, use
# the connecting address). Production must say: too low a number locks every staff user out
# together (by the proxy's address), too high lets a client choose the address it is locked by.
_required_in_production("TRUSTED_PROXY_COUNT", "0")
TRUSTED_PROXY_COUNT = _number("TRUSTED_PROXY_COUNT", "int", 0)

# Sessions end after SESSION_IDLE_MINUTES without a request, SESSION_MAX_HOURS after sign-in,
# and when the browser closes (accounts.middleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=_number("SESSION_IDLE_MINUTES", "float", 30))
SESSION_MAX_AGE = timedelta(hours=_number("SESSION_MAX_HOURS", "float", 8))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Fernet keys sealing credential secrets, comma-separated: the first encrypts, all decrypt.
# Checked at start-up (see credentials.secrets); there is no plain-text fallback.
CREDENTIALS_ENCRYPTION_KEYS = env.list("CREDENTIALS_ENCRYPTION_KEYS", default=[])
# Error reports (500 pages, mails) mask every credential secret posted in a form.
DEFAULT_EXCEPTION_REPORTER_FILTER = "credentials.error_reports.SecretsReporterFilter"

# Where `apply_cred_migrations` finds its numbered scripts, and how long its lock lease lasts.
CRED_MIGRATIONS_DIR = Path(env.str("CRED_MIGRATIONS_DIR", default=str(BASE_DIR / "migrations_mongo")))
CRED_MIGRATION_LEASE_SECONDS = _number("CRED_MIGRATION_LEASE_SECONDS", "float", 60.0)

# OAuth calls to the platforms: how long to wait for an answer, and (tests, demos, staging
# only) origins to send elsewhere, as a JSON object {"https://real.origin": "http://replacement"}.
OAUTH_TIMEOUT_SECONDS = _number("OAUTH_TIMEOUT_SECONDS", "float", 10.0)
try:
    OAUTH_ORIGIN_OVERRIDES = env.json("OAUTH_ORIGIN_OVERRIDES", default={})
except ValueError:
    raise ImproperlyConfigured("OAUTH_ORIGIN_OVERRIDES must be a JSON object") from None
if not isinstance(OAUTH_ORIGIN_OVERRIDES, dict) or not all(
    isinstance(k, str) and isinstance(v, str) for k, v in OAUTH_ORIGIN_OVERRIDES.items()
):
    raise ImproperlyConfigured("OAUTH_ORIGIN_OVERRIDES must be a JSON object of origin to base URL strings")
for _origin, _base in OAUTH_ORIGIN_OVERRIDES.items():
    # A key with a path or a trailing slash would never match, silently.
    if not re.fullmatch(r"https?://[^/\s?#]+", _origin):
        raise ImproperlyConfigured(f"OAUTH_ORIGIN_OVERRIDES: {_origin!r} is not an origin like https://api.x.com")
    if not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", _base):
        raise ImproperlyConfigured(f"OAUTH_ORIGIN_OVERRIDES: {_base!r} (for {_origin}) is not an http(s) URL")

# The console's public address, as customers' browsers reach it: connect links and the
# platforms' OAuth callbacks (<CONSOLE_PUBLIC_URL>/connect/callback/<platform>/) are built on it.
CONSOLE_PUBLIC_URL = _required_in_production("CONSOLE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# The company the customer reads on the connect pages ("<company> asks to connect ...").
CONNECT_COMPANY_NAME = env.str("CONNECT_COMPANY_NAME", default="Your publishing service")
# How long a connect link stays usable unless its creator says otherwise.
CONNECT_LINK_HOURS = _number("CONNECT_LINK_HOURS", "float", 72.0)

# The refresher (refresh/): how long a worker's lease on a credential lasts, and after how long
# failing (transient errors, still retried) a credential shows as failing.
REFRESH_LEASE_SECONDS = _number("REFRESH_LEASE_SECONDS", "float", 60.0)
REFRESH_FAILING_AFTER_HOURS = _number("REFRESH_FAILING_AFTER_HOURS", "float", 24.0)
# Optional: where a credential that needs a reconnect, or recovers, is POSTed (signed with the secret).
TOKEN_EVENTS_WEBHOOK_URL = env.str("TOKEN_EVENTS_WEBHOOK_URL", default="")
TOKEN_EVENTS_WEBHOOK_SECRET = env.str("TOKEN_EVENTS_WEBHOOK_SECRET", default="")
if TOKEN_EVENTS_WEBHOOK_URL and len(TOKEN_EVENTS_WEBHOOK_SECRET) < 32:
    raise ImproperlyConfigured(
        "TOKEN_EVENTS_WEBHOOK_URL needs TOKEN_EVENTS_WEBHOOK_SECRET, at least 32 characters, to sign what it sends"
    )

# Production hardening; `manage.py check --deploy` stays clean when DEBUG is false.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else _number("SECURE_HSTS_SECONDS", "int", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_connect_links": {"()": "connect.log_filters.MaskConnectLinks"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # They log the path of failed requests; a connect link's path is its secret.
        "django.request": {"filters": ["mask_connect_links"]},
        "django.server": {"filters": ["mask_connect_links"]},
        # At DEBUG urllib3 logs whole URLs, and Facebook's token requests carry the app
        # secret and the code in theirs.
        "urllib3": {"level": "WARNING"},
    },
}
