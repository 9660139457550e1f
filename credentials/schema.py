"""The `$jsonSchema` validator of a platform's collection, generated from its model.

Generated rather than written out so that model and validator cannot drift: the field
names and BSON types here are the storage contract of shared/spec/collections.md.
"""

from django.db import models
from django_mongodb_backend.fields import ArrayField, ObjectIdAutoField

from .fields import SecretField
from .secrets import ENCRYPTED_PATTERN, MAX_STORED_LENGTH

# Fields every document must carry; everything else may be absent or null.
REQUIRED_FIELDS = ("_id", "credential_id", "name", "platform", "customer_id")

# BSON types per Django field class, most specific first. Counts accept int as well as
# long: this backend writes Int64, other services write int32.
_BSON_TYPES = (
    (ObjectIdAutoField, ["objectId"]),
    (models.BooleanField, ["bool"]),
    (models.IntegerField, ["int", "long"]),
    (models.DateTimeField, ["date"]),
    (ArrayField, ["array"]),
    (SecretField, ["string"]),
    (models.CharField, ["string"]),
    (models.TextField, ["string"]),
)


def bson_types(field):
    for field_class, types in _BSON_TYPES:
        if isinstance(field, field_class):
            return types
    raise TypeError(f"no BSON type is mapped for {type(field).__name__} ({field.name})")


def field_schema(field, *, required):
    types = bson_types(field)
    if not required:
        types = [*types, "null"]
    schema = {"bsonType": types[0] if len(types) == 1 else list(types)}
    if isinstance(field, ArrayField):
        schema["items"] = {"bsonType": bson_types(field.base_field)[0]}
    if field.choices:
        schema["enum"] = [value for value, _label in field.choices] + ([] if required else [None])
    return schema


def json_schema_for(platform, *, encrypted_secrets=True):
    """The validator document for `platform`'s collection.

    With `encrypted_secrets`, a secret field that is present must be in an encrypted
    format (enc:v1 or enc:v2) and at most MAX_STORED_LENGTH characters long, so the
    database itself refuses plain text, and values too long, from any client.
    """
    properties = {}
    for field in platform.model._meta.concrete_fields:
        properties[field.column] = field_schema(field, required=field.column in REQUIRED_FIELDS)
        if encrypted_secrets and isinstance(field, SecretField):
            properties[field.column].update(pattern=ENCRYPTED_PATTERN, maxLength=MAX_STORED_LENGTH)
    properties["platform"]["enum"] = [platform.key]
    properties["credential_id"]["pattern"] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    return {
        "$jsonSchema": {
            "bsonType": "object",
            "title": f"{platform.label} credential",
            "required": list(REQUIRED_FIELDS),
            "properties": properties,
        }
    }
