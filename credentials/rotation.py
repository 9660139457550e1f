"""Re-encrypting every stored secret under the current key (`rotate_cred_keys`).

Works on raw documents in batches with bulk writes. Each write is conditional on the
value it replaces, so a token another service refreshed meanwhile is left for the next
run; and since values already under the current key are skipped, an interrupted rotation
simply resumes when run again.
"""

from collections import Counter
from dataclasses import dataclass, field

from pymongo import UpdateOne

from .secrets import UndecryptableSecret, is_encrypted, keyring, parse

RE_ENCRYPTED = "re-encrypted"
CURRENT = "already current"
PLAIN = "plain text found"
UNDECRYPTABLE = "undecryptable"
OUTCOMES = (RE_ENCRYPTED, CURRENT, PLAIN, UNDECRYPTABLE)


@dataclass
class CollectionReport:
    collection: str
    counts: Counter = field(default_factory=Counter)
    documents: int = 0
    undecryptable: list = field(default_factory=list)  # (credential_id, field name)

    def summary(self):
        parts = ", ".join(f"{self.counts[o]} {o}" for o in OUTCOMES)
        return f"{self.collection}: {self.documents} documents; secrets: {parts}"


def classify(value, keys):
    """(outcome, new stored value or None) for one stored secret."""
    if not is_encrypted(value):
        return PLAIN, keys.encrypt(value)
    if parse(value)[0] == keys.current_id:
        try:
            keys.decrypt(value)
        except UndecryptableSecret:
            return UNDECRYPTABLE, None
        return CURRENT, None
    try:
        return RE_ENCRYPTED, keys.encrypt(keys.decrypt(value))
    except UndecryptableSecret:
        return UNDECRYPTABLE, None


def conditional_update(document_id, replaced, updates):
    """Set each field to its new value only if it still holds the value we read.

    A token another service refreshed meanwhile keeps its new value, and the next run
    seals it. (An update pipeline filtered on `_id` alone: as safe as putting the old
    values in the filter, and cheaper on servers that then stop using the `_id` index.)
    """
    return UpdateOne(
        {"_id": document_id},
        [
            {
                "$set": {
                    name: {
                        "$cond": [
                            {"$eq": [f"${name}", {"$literal": replaced[name]}]},
                            {"$literal": new_value},
                            f"${name}",
                        ]
                    }
                    for name, new_value in updates.items()
                }
            }
        ],
    )


def rotate_collection(collection, secret_fields, *, batch_size=500, dry_run=False, progress=None):
    """Re-encrypt `collection`'s secrets under the current key; returns a CollectionReport."""
    keys = keyring()
    report = CollectionReport(collection.name)
    query = {"$or": [{name: {"$type": "string"}} for name in secret_fields]}
    projection = {"credential_id": 1, **{name: 1 for name in secret_fields}}
    batch = []

    def flush():
        if batch and not dry_run:
            collection.bulk_write(batch, ordered=False)
        batch.clear()
        if progress:
            progress(report)

    for document in collection.find(query, projection).sort("_id", 1).batch_size(batch_size):
        report.documents += 1
        replaced, updates = {}, {}
        for name in secret_fields:
            value = document.get(name)
            if not isinstance(value, str) or value == "":
                continue
            outcome, new_value = classify(value, keys)
            report.counts[outcome] += 1
            if outcome == UNDECRYPTABLE:
                report.undecryptable.append((document.get("credential_id"), name))
            if new_value is not None:
                replaced[name], updates[name] = value, new_value
        if updates:
            batch.append(conditional_update(document["_id"], replaced, updates))
        if report.documents % batch_size == 0:
            flush()
    flush()
    return report
