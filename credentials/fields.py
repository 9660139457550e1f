"""Field types with a meaning of their own in the storage contract."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from .secrets import MAX_PLAIN_BYTES, MAX_STORED_LENGTH, SecretContext, SecretValue


def as_secret(value):
    """None for "no secret"; otherwise a SecretValue (plain text typed by code is wrapped)."""
    if value is None or value == "":
        return None
    if isinstance(value, SecretValue):
        return value
    return SecretValue(plain=str(value))


class SecretAttribute(DeferredAttribute):
    """A secret attribute of a credential, holding its value bound to where it belongs.

    Assigning plain text wraps it at once, so it is never held bare. Assigning and reading
    bind the value to this credential's collection, credential_id and field: the ciphertext
    of a value loaded from the database opens only for the document that held it, and a value
    taken from another credential or field is sealed anew for this one. Saving reads through
    here too (`Field.pre_save`), so what is written is always sealed for its own place.
    """

    def context(self, instance):
        return SecretContext(instance._meta.db_table, instance.credential_id, self.field.column)

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        secret = super().__get__(instance, cls)
        if secret is None:
            return None
        placed = secret.bound_to(self.context(instance))
        instance.__dict__[self.field.attname] = placed
        return placed

    def __set__(self, instance, value):
        secret = as_secret(value)
        # Placed at once when the credential_id is loaded (always, but for a deferred field), so
        # a value travels sealed for its place (pickled, say) even if never read here.
        if secret is not None and "credential_id" in instance.__dict__:
            secret = secret.bound_to(self.context(instance))
        instance.__dict__[self.field.attname] = secret


def validate_fits_when_sealed(typed):
    size = len(typed.encode())
    if size > MAX_PLAIN_BYTES:
        raise ValidationError(
            f"This secret is {size} bytes long (UTF-8); at most {MAX_PLAIN_BYTES} bytes fit the "
            f"database's limit of {MAX_STORED_LENGTH} characters once encrypted.",
            code="too_long",
        )


class SecretFormField(forms.CharField):
    """Write-only: the form never shows the stored secret, and a blank entry changes nothing."""

    default_validators = [validate_fits_when_sealed]

    def __init__(self, **kwargs):
        kwargs.update(required=False, max_length=None, strip=True)
        # Whatever widget a caller suggests (the admin offers a textarea for text fields),
        # a secret is typed into a password box that is never filled back in.
        kwargs["widget"] = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ""  # never render the secret, not even encrypted

    def has_changed(self, initial, data):
        return bool(data)


class SecretField(models.TextField):
    """A credential secret (token, client or app secret), encrypted at rest.

    Every secret of every platform is declared with this type: the registry lists them
    by it, and encryption and decryption happen here and in `credentials.secrets` only.
    Its model must have a `credential_id`: each value is sealed for its credential and field.
    """

    descriptor_class = SecretAttribute

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else SecretValue.from_stored(value)

    def to_python(self, value):
        return as_secret(value)

    def get_prep_value(self, value):
        secret = as_secret(value)
        return None if secret is None else secret.stored()

    def value_to_string(self, obj):
        # Serialisers (dumpdata) get the sealed form, never plain text.
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SecretFormField, **kwargs})
