"""Re-encrypting every stored secret as enc:v2 under the current key (`rotate_cred_keys`).

Each value is sealed for its place (the collection, the document's credential_id and the
field), as the console seals it; enc:v1 values are upgraded to enc:v2 on the way. A value
that does not open where it is (sealed by a key we lack, tampered, or copied from another
place) is reported and left as it is.

Works on raw documents in batches with bulk writes. Each write is conditional on the
value it replaces, so a token another service refreshed meanwhile is left for the next
run; and since values already under the current key are skipped, an interrupted rotation
simply resumes when run again.
"""

from collections import Counter
from dataclasses import dataclass, field

from pymongo import UpdateOne

from .secrets import UNDECRYPTABLE_MESSAGE, SecretContext, UndecryptableSecret, is_encrypted, keyring, parse

RE_ENCRYPTED = "re-encrypted"
UPGRADED = "upgraded from enc:v1"
CURRENT = "already current"
PLAIN = "plain text found"
UNDECRYPTABLE = "undecryptable"
OUTCOMES = (RE_ENCRYPTED, UPGRADED, CURRENT, PLAIN, UNDECRYPTABLE)
NO_CREDENTIAL_ID = "has no credential_id to seal it for"


@dataclass
class CollectionReport:
    collection: str
    counts: Counter = field(default_factory=Counter)
    documents: int = 0  # those holding a secret: the only ones read
    without_secrets: int = 0
    undecryptable: list = field(default_factory=list)  # (credential_id, field name, why)

    def summary(self):
        parts = ", ".join(f"{self.counts[o]} {o}" for o in OUTCOMES)
        return (
            f"{self.collection}: {self.documents} documents with secrets, {self.without_secrets} without any "
            f"(not counted: nothing to seal); secrets: {parts}"
        )


def classify(value, context, keys):
    """(outcome, new stored value or None) for one stored secret at `context`."""
    if context is None:
        # A document from before the contract, without a credential_id: nothing to seal for.
        return UNDECRYPTABLE, None
    if not is_encrypted(value):
        return PLAIN, keys.encrypt(value, context)
    try:
        plain = keys.decrypt(value, context)
    except UndecryptableSecret:
        return UNDECRYPTABLE, None
    version, ident, _payload = parse(value)
    if version == "v1":
        return UPGRADED, keys.encrypt(plain, context)
    if ident == keys.current_id:
        return CURRENT, None
    return RE_ENCRYPTED, keys.encrypt(plain, context)


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
    """Seal `collection`'s secrets as enc:v2 under the current key; returns a CollectionReport."""
    keys = keyring()
    report = CollectionReport(collection.name)
    holding_secrets = [{name: {"$type": "string"}} for name in secret_fields]
    query = {"$or": holding_secrets}
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
        credential_id = document.get("credential_id")
        has_place = isinstance(credential_id, str) and credential_id != ""
        for name in secret_fields:
            value = document.get(name)
            if not isinstance(value, str) or value == "":
                continue
            context = SecretContext(collection.name, credential_id, name) if has_place else None
            outcome, new_value = classify(value, context, keys)
            report.counts[outcome] += 1
            if outcome == UNDECRYPTABLE:
                why = UNDECRYPTABLE_MESSAGE if has_place else NO_CREDENTIAL_ID
                report.undecryptable.append((credential_id, name, why))
            if new_value is not None:
                replaced[name], updates[name] = value, new_value
        if updates:
            batch.append(conditional_update(document["_id"], replaced, updates))
        if report.documents % batch_size == 0:
            flush()
    flush()
    report.without_secrets = collection.count_documents({"$nor": holding_secrets})
    return report
