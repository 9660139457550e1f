"""Every collection's validator requires secrets, when present, in the encrypted format.

The database then rejects a plain-text secret from any client. Existing documents stay
updatable ("moderate") until `rotate_cred_keys` has encrypted what they hold.
"""

from credentials.collections import set_validator
from credentials.platforms import REGISTRY


def existing_platforms(db):
    # A platform added later gets its collection, already with this rule, from its own migration.
    names = db.list_collection_names()
    return [key for key, platform in REGISTRY.items() if platform.collection in names]


def up(db):
    for key in existing_platforms(db):
        set_validator(db, key, encrypted_secrets=True)


def down(db, force=False):
    for key in existing_platforms(db):
        set_validator(db, key, encrypted_secrets=False)
