"""Where the database differs from the storage contract, and putting that right without touching a document.

The contract is what the migrations leave once all are applied: each platform's collection,
the indexes of `collections.INDEXES`, and the validator generated from the platform's model
(`schema.json_schema_for`), enforced. `manage.py check` reports each difference;
`apply_cred_migrations --repair` recreates what drifted with index and validator commands
only, sent through `db.command` like the migration scripts' own.
"""

from dataclasses import dataclass, field

from pymongo.errors import PyMongoError

from .collections import INDEXES, create_or_adopt, expected_indexes, index_name, set_validator
from .platforms import REGISTRY
from .schema import json_schema_for


class RepairRefused(Exception):
    """The repair would drop an index it cannot create again: the documents must be put right first."""


@dataclass
class CollectionDrift:
    """What one platform's collection lacks or has otherwise than the contract says."""

    platform_key: str
    collection: str
    missing: bool = False
    missing_indexes: list = field(default_factory=list)  # contract index names
    differing_indexes: dict = field(default_factory=dict)  # contract index name -> the index found
    validator_lacks: list = field(default_factory=list)  # model fields the validator does not name
    validator_differs: list = field(default_factory=list)  # what else differs, e.g. "field access_token"
    validation_off: str | None = None  # how the server was told not to enforce the validator

    def __bool__(self):
        return bool(
            self.missing
            or self.missing_indexes
            or self.differing_indexes
            or self.validator_lacks
            or self.validator_differs
            or self.validation_off
        )

    @property
    def validator_drifted(self):
        return bool(self.validator_lacks or self.validator_differs or self.validation_off)


def _index_drift(drift, indexes):
    for name, (key, unique) in expected_indexes().items():
        found = indexes.get(name)
        if found is None:
            drift.missing_indexes.append(name)
        elif [tuple(k) for k in found["key"]] != key or bool(found.get("unique")) != unique:
            drift.differing_indexes[name] = found


def _validator_drift(drift, options, expected):
    validator = options.get("validator", {})
    found_schema = validator.get("$jsonSchema", {})
    expected_schema = expected["$jsonSchema"]
    found_properties = found_schema.get("properties", {})
    for name, schema in expected_schema["properties"].items():
        if name not in found_properties:
            drift.validator_lacks.append(name)
        elif found_properties[name] != schema:
            drift.validator_differs.append(f"field {name}")
    expected_properties = expected_schema["properties"]
    drift.validator_differs += [f"extra field {name}" for name in found_properties if name not in expected_properties]
    keys = sorted((set(found_schema) | set(expected_schema)) - {"properties"})
    drift.validator_differs += [key for key in keys if found_schema.get(key) != expected_schema.get(key)]
    drift.validator_differs += [f"rule {key}" for key in sorted(set(validator) - {"$jsonSchema"})]
    if options.get("validationLevel") == "off":
        drift.validation_off = "validationLevel is off"
    elif options.get("validationAction") == "warn":
        drift.validation_off = "validationAction is warn: invalid writes are only logged"


def contract_drift(database):
    """A CollectionDrift for every platform, in registry order (false where nothing drifted)."""
    existing = {info["name"]: info for info in database.list_collections()}
    drifts = []
    for platform in REGISTRY.values():
        drift = CollectionDrift(platform.key, platform.collection)
        if platform.collection not in existing:
            drift.missing = True
        else:
            _index_drift(drift, database[platform.collection].index_information())
            _validator_drift(drift, existing[platform.collection].get("options", {}), json_schema_for(platform))
        drifts.append(drift)
    return drifts


def repair(db, drift):
    """Recreate what `drift` found in its collection, yielding what was done, one phrase a step.

    Only index and validator commands: the documents stay as they are. A validator is set
    with `validationLevel: "moderate"`, as the migrations set it, so documents stored before
    it stay updatable.
    """
    if drift.missing:
        create_or_adopt(db, drift.platform_key)
        yield "created the collection with its validator and indexes"
        return
    wanted = set(drift.missing_indexes) | set(drift.differing_indexes)
    specs = [{"key": dict(key), "name": index_name(key), **opts} for key, opts in INDEXES if index_name(key) in wanted]
    for spec in specs:
        if spec.get("unique"):
            _refuse_duplicates(db[drift.collection], spec)
    if drift.validator_drifted:
        set_validator(db, drift.platform_key)
        if drift.validation_off and drift.validation_off.startswith("validationAction"):
            db.command({"collMod": drift.collection, "validationAction": "error"})
        yield f"set the validator generated from the model ({_validator_reason(drift)})"
    dropped = _specs_of(db[drift.collection], drift.differing_indexes)
    for name in drift.differing_indexes:
        db.command({"dropIndexes": drift.collection, "index": name})
        yield f"dropped index {name}, which differed"
    if specs:
        try:
            db.command({"createIndexes": drift.collection, "indexes": specs})
        except PyMongoError:
            # Put back what was dropped (a write since the duplicate check, say): a failed repair
            # leaves the collection with the indexes it had, not without them.
            if dropped:
                db.command({"createIndexes": drift.collection, "indexes": dropped})
            raise
        yield ("created indexes " if len(specs) > 1 else "created index ") + ", ".join(spec["name"] for spec in specs)


INDEX_OPTIONS = ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds", "collation")


def _specs_of(collection, names):
    """createIndexes specs of the collection's indexes named `names`, as they are now."""
    existing = collection.index_information()
    return [
        {
            "key": dict(existing[name]["key"]),
            "name": name,
            **{o: existing[name][o] for o in INDEX_OPTIONS if o in existing[name]},
        }
        for name in names
        if name in existing
    ]


def _refuse_duplicates(collection, spec):
    """Refuse, before anything is changed, a unique index that documents sharing a value would refuse."""
    fields = list(spec["key"])
    shared = next(
        collection.aggregate(
            [
                # A unique index counts a missing field as null: the two must fall together here too.
                {
                    "$group": {
                        "_id": {name: {"$ifNull": [f"${name}", None]} for name in fields},
                        "documents": {"$sum": 1},
                    }
                },
                {"$match": {"documents": {"$gt": 1}}},
                {"$limit": 1},
            ]
        ),
        None,
    )
    if shared:
        value = ", ".join(f"{name} {shared['_id'].get(name)!r}" for name in fields)
        raise RepairRefused(
            f"index {spec['name']} must be unique, but {shared['documents']} documents share {value}: "
            "put them right, then repair again"
        )


def _validator_reason(drift):
    reasons = []
    if drift.validator_lacks:
        reasons.append("it lacked " + _few(drift.validator_lacks, "of the model's fields"))
    if drift.validator_differs:
        reasons.append("it differed in " + _few(drift.validator_differs, "places"))
    if drift.validation_off:
        reasons.append(drift.validation_off)
    return "; ".join(reasons)


def _few(names, what, most=5):
    """`names` listed, or counted when there are more than `most` (a validator replaced whole)."""
    return ", ".join(names) if len(names) <= most else f"{len(names)} {what}"
