"""Create instagram_credentials with its validator and the contract's indexes."""

from credentials.collections import create_or_adopt, drop_collection


def up(db):
    create_or_adopt(db, "instagram")


def down(db, force=False):
    drop_collection(db, "instagram", force=force)
