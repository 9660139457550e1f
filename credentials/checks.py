"""`manage.py check`: encryption keys, and drift between the platform registry and the database.

Reported as warnings, so that `runserver` and `migrate` still start on a database that
`apply_cred_migrations` has not prepared yet; the message says what to run.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from pymongo.errors import PyMongoError

from .collections import expected_indexes
from .drift import contract_drift
from .mongo import connected_database
from .secrets import keyring

HINT = (
    "Run `python manage.py apply_cred_migrations` (with --repair for what drifted after the migrations ran), "
    "or a new migration for a changed model."
)


def _warning(message, code):
    return checks.Warning(message, hint=HINT, id=f"credentials.W{code:03d}")


def drift(database):
    """Every difference between what the registry expects and what the database has."""
    problems = []
    expected = expected_indexes()
    for found in contract_drift(database):
        name = found.collection
        if found.missing:
            problems.append(_warning(f"collection {name} is missing", 1))
            continue
        problems += [_warning(f"{name}: index {index} is missing", 2) for index in found.missing_indexes]
        for index, info in found.differing_indexes.items():
            key, unique = expected[index]
            problems.append(
                _warning(
                    f"{name}: index {index} differs (found key {info['key']}, "
                    f"unique={bool(info.get('unique'))}; expected key {key}, unique={unique})",
                    3,
                )
            )
        problems += [_warning(f"{name}: validator lacks model field {field}", 4) for field in found.validator_lacks]
        if found.validator_differs:
            differs = ", ".join(found.validator_differs)
            problems.append(_warning(f"{name}: validator differs from the model's in {differs}", 5))
        if found.validation_off:
            problems.append(_warning(f"{name}: the validator is not enforced ({found.validation_off})", 6))
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
