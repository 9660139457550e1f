"""The add/change form of a platform's credentials: secrets are write-only.

The form never shows a stored secret. It says "set" with a short fingerprint, or "not set";
typing a value replaces it, leaving the box blank keeps it, and "clear" removes it.
"""

from django import forms
from django.utils.html import format_html

from .secrets import UNDECRYPTABLE_MESSAGE, UndecryptableSecret

CLEAR_SUFFIX = "_clear"


def secret_status(secret):
    """What staff may know of a stored secret."""
    if secret is None:
        return "Not set."
    try:
        fingerprint = secret.fingerprint()
    except UndecryptableSecret:
        return f"Set, but it {UNDECRYPTABLE_MESSAGE}. Type a new value to replace it."
    return format_html("Set (fingerprint <code>{}</code>). Type a new value to replace it.", fingerprint)


class CredentialForm(forms.ModelForm):
    secret_fields = ()
    tenant_scope = None  # set by the admin: the tenants the signed-in user is granted

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if name in self.fields:
                self.fields[name].help_text = secret_status(getattr(self.instance, name, None))

    def clean_customer_id(self):
        customer_id = self.cleaned_data["customer_id"]
        if self.tenant_scope is not None and not self.tenant_scope.allows(customer_id):
            raise forms.ValidationError(f"You are not granted tenant “{customer_id}”.")
        return customer_id

    def clean(self):
        cleaned = super().clean()
        for name in self.secret_fields:
            if name not in self.fields:
                continue
            typed = cleaned.get(name)
            clear = cleaned.pop(name + CLEAR_SUFFIX, False)
            if clear and typed:
                self.add_error(name, f"Type a new {name} or tick “clear”, not both.")
            elif clear:
                cleaned[name] = None
            elif not typed:
                cleaned.pop(name, None)  # left blank: the stored secret stays as it is
        return cleaned

    @property
    def changed_data(self):
        """Field names only: a cleared secret reads as its own field, never with a value."""
        names = []
        for name in super().changed_data:
            name = name.removesuffix(CLEAR_SUFFIX)
            if name not in names:
                names.append(name)
        return names


def form_for(platform):
    """The form class for `platform`, with a "clear" box beside each secret."""
    clear_boxes = {
        name + CLEAR_SUFFIX: forms.BooleanField(required=False, label=f"Clear {name}")
        for name in platform.secret_fields
    }
    meta = type("Meta", (), {"model": platform.model, "fields": "__all__"})
    return type(
        f"{platform.model.__name__}Form",
        (CredentialForm,),
        {"Meta": meta, "secret_fields": platform.secret_fields, **clear_boxes},
    )
