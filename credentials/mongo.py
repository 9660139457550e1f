"""The raw pymongo side of the console's database, and how its failures are told.

Commands working below the ORM get their pymongo Database from `connected_database`.
`database_failure` says in one line, without a password, what went wrong with the
database: a MONGODB_URI pymongo cannot parse is a configuration error
(ImproperlyConfigured); a server that cannot be reached, resolved or authenticated to is
`DatabaseUnavailable`; anything else the server refuses is a DatabaseError.
`mask_passwords` hides the password of any MongoDB URI in a text and keeps the rest
(`one_line` also folds the text onto one line);
`uri_password` finds it, for hiding it where it appears outside a URI.
"""

import re

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from pymongo.errors import ConfigurationError, ConnectionFailure, InvalidURI, OperationFailure, PyMongoError

PASSWORD_MASK = "********"

# `user:password@` after a MongoDB scheme. pymongo takes the password to the last `@` of
# the URI, and so does the mask: a password with an unescaped `/`, `?` or `@` (the usual
# cause of a malformed URI) is masked whole rather than shown in part.
URI_PASSWORD = re.compile(r"(?P<scheme_and_user>mongodb(?:\+srv)?://[^:\s'\"]*:)(?P<password>[^\s'\"]*)@", re.I)

# What pymongo appends to a message, of no use in one line: each server's timeouts, the
# topology description (hundreds of characters) and the server's whole reply.
PYMONGO_NOISE = re.compile(r" \(configured timeouts: [^)]*\)|, (?:Timeout: |full error: ).*", re.DOTALL)

AUTHENTICATION_FAILED = 18  # MongoDB's error code


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message names the host, never the password."""


def mask_passwords(text, mask=PASSWORD_MASK):
    """`text` with the password of every MongoDB URI in it replaced by `mask`."""
    return URI_PASSWORD.sub(lambda match: match["scheme_and_user"] + mask + "@", text)


def one_line(text):
    """`text` on one line, any MongoDB password in it masked: how every failure is told."""
    return " ".join(mask_passwords(str(text)).split())


def uri_password(uri):
    """The password `uri` holds, as written (percent-encoded or not), or None."""
    match = URI_PASSWORD.search(uri)
    return match["password"] if match else None


def server_address(alias="default"):
    """The host(s) of the configured database as its URI writes them, without credentials.

    Read from the text, not parsed by pymongo: it must name the host of a URI pymongo
    refuses, and of a `mongodb+srv` name that does not resolve, without a DNS lookup.
    """
    uri = mask_passwords(connections[alias].settings_dict["HOST"] or "mongodb://localhost:27017")
    after_credentials = uri.partition("://")[2].rpartition("@")[2]
    return re.split(r"[/?]", after_credentials, maxsplit=1)[0]


def _raised_parsing_uri(error):
    """Whether pymongo raised `error` while parsing the URI (where it raises plain ValueErrors too)."""
    frame = error.__traceback__
    while frame is not None:
        module = frame.tb_frame.f_globals.get("__name__", "")
        if module.startswith("pymongo.") and "uri_parser" in module:
            return True
        frame = frame.tb_next
    return False


def _pymongo_error(exc):
    """The error pymongo raised behind `exc` (Django's backend wraps it in DatabaseError), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, PyMongoError) or (isinstance(exc, ValueError) and _raised_parsing_uri(exc)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__
    return None


def _unreachable(error):
    """No server answered, resolved, or accepted the credentials."""
    if isinstance(error, OperationFailure):
        return error.code == AUTHENTICATION_FAILED
    return isinstance(error, ConnectionFailure | ConfigurationError)


def database_failure(exc, alias="default"):
    """`exc` told in one line, without a password, if the database is to blame; else None.

    ImproperlyConfigured when pymongo refused the URI before asking any server,
    DatabaseUnavailable when no server could be used, DatabaseError for anything else
    a server refused.
    """
    if isinstance(exc, DatabaseUnavailable):
        return exc
    error = _pymongo_error(exc)
    if error is None:
        return None
    reason = one_line(PYMONGO_NOISE.sub("", str(error))) or type(error).__name__
    if isinstance(error, InvalidURI) or _raised_parsing_uri(error):
        return ImproperlyConfigured(f"MONGODB_URI is invalid: {reason}")
    address = server_address(alias)
    # A single server's error already starts with its address.
    reason = reason.removeprefix(f"{address}: ")
    if _unreachable(error):
        return DatabaseUnavailable(f"cannot reach MongoDB at {address}: {reason}")
    return DatabaseError(f"MongoDB at {address}: {reason}")


def connected_database(alias="default"):
    """The pymongo Database behind Django's connection, after checking it answers."""
    connection = connections[alias]
    try:
        connection.ensure_connection()
        database = connection.database
        database.command("ping")
    except Exception as exc:
        failure = database_failure(exc, alias)
        if failure is None:
            raise
        raise failure from exc
    return database
