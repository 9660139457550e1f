"""Create twitter_credentials with its validator and the contract's indexes."""

from credentials.collections import create_or_adopt, drop_collection


def up(db):
    create_or_adopt(db, "twitter")


def down(db, force=False):
    drop_collection(db, "twitter", force=force)
