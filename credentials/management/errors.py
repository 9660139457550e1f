"""How the console's commands fail: one line and a non-zero exit, never a traceback or a password.

Two layers. manage.py catches a configuration or database failure escaping any command,
Django's own included, from settings load, connection creation, system checks or any
query, and prints `failure_line`. The console's own commands name their expected
failures with `one_line_errors`, which Django prints as `CommandError: <line>`.
"""

from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from credentials.mongo import database_failure, one_line


def failure_line(exc):
    """What manage.py prints for `exc`: None unless configuration or the database is to blame.

    Any other exception is a bug, whose traceback is wanted.
    """
    failure = exc if isinstance(exc, ImproperlyConfigured) else database_failure(exc)
    if failure is None:
        return None
    kind = "configuration error" if isinstance(failure, ImproperlyConfigured) else "database error"
    return one_line(f"{kind}: {failure}")


@contextmanager
def one_line_errors(*expected):
    """Turn the `expected` failures, and any database failure, into a one-line CommandError."""
    try:
        yield
    except expected as exc:
        raise CommandError(one_line(exc)) from exc
    except Exception as exc:
        failure = database_failure(exc)
        if failure is None:
            raise
        raise CommandError(one_line(failure)) from exc
