"""The embedded development and test database: SecantusDB, made to behave like MongoDB.

Dev and test only: SecantusDB is pinned in requirements-dev.txt and never imported by the
running console. Production talks to a real MongoDB through MONGODB_URI.

SecantusDB 0.7.0b3 has two known defects that this project trips over:

* It reads a nested ``$project`` / ``$addFields`` / ``$set`` specification
  (``{a: {b: 1}}``) as a literal object, where MongoDB reads it as the nested field
  paths ``{"a.b": 1}``. The backend emits such shapes for joins, so permission checks
  through a group and ``select_related`` with ordering go silently wrong.
* It binds ``$$NOW`` to a timezone-aware ``datetime`` while every stored date reaches
  its expression engine as a naive one (UTC, as BSON dates decode). Python cannot order
  the two: the engine's BSON comparison swallows the ``TypeError`` and calls them equal,
  so ``{$lt: ["$date", "$$NOW"]}`` is false for any date, ``$cond`` and ``$expr`` on it
  go the wrong way, and ``{$subtract: ["$$NOW", "$date"]}`` fails with an internal
  error. ``credentials.lease`` computes its leases with the server's clock this way.

``start_server`` fixes both inside the server before SecantusDB evaluates anything:
it normalises those stages to dotted paths, and reads ``$$NOW`` as the naive
millisecond date MongoDB's would be. It refuses any other SecantusDB version: the fixes
are proven only against the pinned one. (Its other known defect, ``find_one_and_update``
with ``upsert=True`` returning None under contention, is avoided by ``credentials.lease``.)

Its planner also read the whole collection where MongoDB's reads a page, so the console's
speed on it said nothing of its speed on MongoDB: ``start_server`` installs
``credsite.devdb_planner``, which plans as MongoDB does where this project depends on it
(the same results; only the documents read change) and makes ``explain`` count them.
"""

import os
from collections.abc import Mapping
from datetime import UTC
from importlib import metadata

from credsite import devdb_planner

SUPPORTED_SECANTUS_VERSION = "0.7.0b3"


class DevDatabaseError(Exception):
    """The embedded database cannot be started; the message says why."""


def installed_secantus_version():
    try:
        return metadata.version("secantusdb")
    except metadata.PackageNotFoundError:
        return None


def require_supported_secantus():
    version = installed_secantus_version()
    if version is None:
        raise DevDatabaseError("SecantusDB is not installed: run `make install` (it is a development dependency)")
    if version != SUPPORTED_SECANTUS_VERSION:
        raise DevDatabaseError(
            f"SecantusDB {version} is installed but this project is verified only against "
            f"{SUPPORTED_SECANTUS_VERSION}: run `make install` to get the pinned version"
        )


def _is_nested_spec(value):
    """A non-empty document whose keys are field names, not `$operators`."""
    return isinstance(value, Mapping) and bool(value) and not any(str(key).startswith("$") for key in value)


def flatten_field_spec(spec, prefix=""):
    """Rewrite ``{a: {b: 1, c: "$x"}}`` as ``{"a.b": 1, "a.c": "$x"}``, as MongoDB reads it."""
    if not isinstance(spec, Mapping):
        return spec
    flat = {}
    for key, value in spec.items():
        path = f"{prefix}{key}"
        if _is_nested_spec(value):
            flat.update(flatten_field_spec(value, prefix=f"{path}."))
        else:
            flat[path] = value
    return flat


def _install_stage_normalisation():
    from secantus import aggregate

    if getattr(aggregate, "_credsite_nested_specs_fixed", False):
        return

    def normalised(handler):
        def run(spec, docs, ctx):
            return handler(flatten_field_spec(spec), docs, ctx)

        return run

    # Every pipeline, top-level, `$lookup` sub-pipeline or update pipeline, dispatches
    # through this table, so wrapping it covers them all.
    for stage in ("$project", "$addFields", "$set"):
        aggregate._STAGES[stage] = normalised(aggregate._STAGES[stage])
    aggregate._credsite_nested_specs_fixed = True


def _as_bson_date(value):
    """``value`` as a BSON date decodes: naive UTC, whole milliseconds."""
    utc = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _install_naive_now():
    from secantus import expressions

    if getattr(expressions, "_credsite_naive_now", False):
        return
    resolve_var = expressions._resolve_var

    def resolve(name, ctx):
        value = resolve_var(name, ctx)
        return _as_bson_date(value) if name == "NOW" else value

    # SecantusDB binds `NOW` in three places (pipelines, command `let`, constant
    # folding), but every `$$variable` in every expression, `$expr` filters and update
    # pipelines included, is read through this one function, so the fix goes here.
    expressions._resolve_var = resolve
    expressions._credsite_naive_now = True


def start_server(*, port=0, data_dir=":memory:", host="127.0.0.1"):
    """Start SecantusDB in this process, with MongoDB's semantics; returns the server.

    ``data_dir=":memory:"`` gives an ephemeral store; any other path is durable across
    restarts. Call ``.stop()`` (or use it as a context manager) to shut it down.
    ``DEVDB_CACHE_SIZE`` (default ``1G``) bounds the storage engine's cache, which holds all
    of an in-memory store: the benchmarks' million credentials need more.
    """
    require_supported_secantus()
    from secantus import SecantusDBServer

    _install_stage_normalisation()
    _install_naive_now()
    devdb_planner.install()
    server = SecantusDBServer(
        host=host,
        port=port,
        storage_path=str(data_dir),
        # Test-only commands (fail points) stay off, as on a real mongod.
        enable_test_commands=False,
        cache_size=os.environ.get("DEVDB_CACHE_SIZE", "1G"),
    )
    try:
        server.start()
    except OSError as exc:
        raise DevDatabaseError(f"cannot start the embedded database on {host}:{port}: {exc}") from exc
    return server
