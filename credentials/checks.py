"""`manage.py check`: encryption keys, and drift between the platform registry and the database.

Reported as warnings, so that `runserver` and `migrate` still start on a database that
`apply_cred_migrations` has not prepared yet; the message says what to run.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from pymongo.errors import PyMongoError

from .collections import expected_indexes
from .mongo import connected_database
from .platforms import REGISTRY
from .secrets import keyring

HINT = "Run `python manage.py apply_cred_migrations`, or a new migration for a changed model."


def _warning(message, code):
    return checks.Warning(message, hint=HINT, id=f"credentials.W{code:03d}")


def drift(database):
    """Every difference between what the registry expects and what the database has."""
    problems = []
    existing = {info["name"]: info for info in database.list_collections()}
    for platform in REGISTRY.values():
        name = platform.collection
        if name not in existing:
            problems.append(_warning(f"collection {name} is missing", 1))
            continue
        indexes = database[name].index_information()
        for index, (key, unique) in expected_indexes().items():
            found = indexes.get(index)
            if found is None:
                problems.append(_warning(f"{name}: index {index} is missing", 2))
            elif [tuple(k) for k in found["key"]] != key or bool(found.get("unique")) != unique:
                problems.append(
                    _warning(
                        f"{name}: index {index} differs (found key {found['key']}, "
                        f"unique={bool(found.get('unique'))}; expected key {key}, unique={unique})",
                        3,
                    )
                )
        validator = existing[name].get("options", {}).get("validator", {})
        properties = validator.get("$jsonSchema", {}).get("properties", {})
        for field in platform.model._meta.concrete_fields:
            if field.column not in properties:
                problems.append(_warning(f"{name}: validator lacks model field {field.column}", 4))
    return problems


@checks.register()
def check_collections_match_registry(app_configs=None, **kwargs):
    # A database that cannot be used at all fails the command in one line (manage.py), rather
    # than passing the checks with a warning; a fault while comparing is only a warning.
    database = connected_database()
    try:
        return drift(database)
    except PyMongoError as exc:
        return [_warning(f"cannot check the credential collections: {exc}", 0)]


@checks.register()
def check_encryption_keys(app_configs=None, **kwargs):
    try:
        keyring()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="credentials.E001")]
    return []
