"""Every collection's validator accepts secrets in enc:v1 or enc:v2, at most 16384 characters long.

Secrets sealed for their place (enc:v2) become storable, and a value of megabytes is refused
from any client. `down` restores 062's rules: enc:v1 only, no bound on length. Existing
documents stay updatable ("moderate"), as 062 left them.
"""

from credentials.collections import set_validator
from credentials.fields import SecretField
from credentials.platforms import REGISTRY
from credentials.schema import json_schema_for

# 062's rule as it stood; the rule of today is generated from credentials.secrets.
PATTERN_062 = r"^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_=-]+$"


def existing_platforms(db):
    # A platform added later gets its collection, already with these rules, from its own migration.
    names = db.list_collection_names()
    return [key for key, platform in REGISTRY.items() if platform.collection in names]


def validator_062(platform):
    validator = json_schema_for(platform)
    properties = validator["$jsonSchema"]["properties"]
    for field in platform.model._meta.concrete_fields:
        if isinstance(field, SecretField):
            properties[field.column]["pattern"] = PATTERN_062
            del properties[field.column]["maxLength"]
    return validator


def up(db):
    for key in existing_platforms(db):
        set_validator(db, key, encrypted_secrets=True)


def down(db, force=False):
    for key in existing_platforms(db):
        db.command(
            {
                "collMod": REGISTRY[key].collection,
                "validator": validator_062(REGISTRY[key]),
                "validationLevel": "moderate",
            }
        )
