"""How the console's commands fail: one line and a non-zero exit, never a traceback."""

from contextlib import contextmanager

from django.core.management.base import CommandError
from pymongo.errors import PyMongoError

from credentials.mongo import DatabaseUnavailable, server_address


@contextmanager
def one_line_errors(*expected):
    """Turn the `expected` failures, and any database error, into a one-line CommandError."""
    try:
        yield
    except (DatabaseUnavailable, *expected) as exc:
        raise CommandError(str(exc)) from exc
    except PyMongoError as exc:
        raise CommandError(f"database error at {server_address()}: {exc}") from exc
