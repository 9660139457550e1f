"""The raw pymongo side of the console's database, for commands that work below the ORM."""

from django.db import connections
from pymongo.errors import ConfigurationError, PyMongoError
from pymongo.uri_parser import parse_uri


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message names the host, never the password."""


def server_address(alias="default"):
    """The host(s) of the configured database as `host:port`, without credentials."""
    uri = connections[alias].settings_dict["HOST"] or "mongodb://localhost:27017"
    try:
        parsed = parse_uri(uri, connect_timeout=1)
    except (ConfigurationError, ValueError, PyMongoError):
        return "an unparseable MONGODB_URI"
    if parsed.get("fqdn"):
        return parsed["fqdn"]
    return ",".join(f"{host}:{port}" for host, port in parsed["nodelist"])


def connected_database(alias="default"):
    """The pymongo Database behind Django's connection, after checking it answers."""
    connection = connections[alias]
    try:
        connection.ensure_connection()
        database = connection.database
        database.command("ping")
    except PyMongoError as exc:
        reason = str(exc).split(",")[0].split(" (configured timeouts")[0]
        raise DatabaseUnavailable(f"cannot reach MongoDB at {server_address(alias)}: {reason}") from exc
    return database
