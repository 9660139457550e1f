"""Create facebook_credentials with its validator and the contract's indexes."""

from credentials.collections import create_or_adopt, drop_collection


def up(db):
    create_or_adopt(db, "facebook")


def down(db, force=False):
    drop_collection(db, "facebook", force=force)
