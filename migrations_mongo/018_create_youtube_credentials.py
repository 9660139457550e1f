"""Create youtube_credentials, or adopt the one the youtube-uploader service already fills.

Adopting keeps every existing document: the validator is set with validationLevel
"moderate" and only the missing indexes are added.
"""

from credentials.collections import create_or_adopt, drop_collection


def up(db):
    create_or_adopt(db, "youtube")


def down(db, force=False):
    drop_collection(db, "youtube", force=force)
