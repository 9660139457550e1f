"""Create tiktok_credentials with its validator and the contract's indexes."""

from credentials.collections import create_or_adopt, drop_collection


def up(db):
    create_or_adopt(db, "tiktok")


def down(db, force=False):
    drop_collection(db, "tiktok", force=force)
