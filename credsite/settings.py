"""Settings for the credentials console, read from the environment (or a `.env` file).

Every variable is listed in the README. Defaults suit development on the embedded
database; production sets DEBUG=false and must then give SECRET_KEY, ALLOWED_HOSTS and
MONGODB_URI explicitly.
"""

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
    "tenancy",
    "credentials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "credsite.urls"
WSGI_APPLICATION = "credsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
            "serverSelectionTimeoutMS": env.int("MONGODB_TIMEOUT_MS", default=10_000),
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
    "credentials": None,
}

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
CRED_MIGRATION_LEASE_SECONDS = env.float("CRED_MIGRATION_LEASE_SECONDS", default=60.0)

# Production hardening; `manage.py check --deploy` stays clean when DEBUG is false.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
