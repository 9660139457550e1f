"""migrate-mongo's changelog: which of our migrations the Node tool this project inherits already ran.

migrate-mongo records each migration it ran as a document `{fileName, appliedAt}` in a
collection (`changelog` unless its configuration names another). Its migration of the same
number and name, with `.js` for `.py`, is ours: `018_create_youtube_credentials.js` is
`018_create_youtube_credentials`. Its documents are told from ours by their fields, so the two
could even share a collection.
"""

from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_COLLECTION = "changelog"
EXTENSION = ".js"
# The last migration the Node tool had: from 062 on they are this console's own, so an entry
# naming one (a mistake, or a crafted changelog) must not mark it applied unrun.
INHERITED_UP_TO = 61
# What makes a document one of migrate-mongo's.
ENTRY = {"fileName": {"$type": "string"}}


@dataclass
class ForeignChangelog:
    collection: str
    ran: dict = field(default_factory=dict)  # our migration's name -> when migrate-mongo applied it
    ignored: list = field(default_factory=list)  # (fileName, why)

    @property
    def entries(self):
        return len(self.ran) + len(self.ignored)


def read_changelog(database, collection, script_names):
    """What `collection` says migrate-mongo ran, matched against `script_names` (ours, without `.py`).

    None when the database has no such collection; a ForeignChangelog with no entries when it
    holds no document of migrate-mongo's shape.
    """
    if collection not in database.list_collection_names(filter={"name": collection}):
        return None
    ours = set(script_names)
    found = ForeignChangelog(collection)
    for entry in (
        database[collection].find(ENTRY, {"fileName": 1, "appliedAt": 1}).sort([("fileName", 1), ("appliedAt", 1)])
    ):
        file_name, applied_at = entry["fileName"], entry.get("appliedAt")
        name = file_name.removesuffix(EXTENSION)
        # Shown to the operator: control characters could forge or hide lines of the output.
        shown = file_name if file_name.isprintable() else ascii(file_name)
        if not file_name.endswith(EXTENSION) or name not in ours:
            found.ignored.append((shown, "no migration here has that number and name"))
        elif int(name[:3]) > INHERITED_UP_TO:
            found.ignored.append((shown, f"migrate-mongo never had it: ours from {INHERITED_UP_TO + 1:03d} on"))
        elif not isinstance(applied_at, datetime):
            found.ignored.append((shown, "it has no appliedAt date"))
        else:
            found.ran.setdefault(name, applied_at)  # the first time, should it have run twice
    return found
