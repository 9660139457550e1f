"""The add/change form of a platform's credentials: secrets are write-only, and nothing typed is lost.

The form never shows a stored secret. It says "set" with a short fingerprint, or "not set";
typing a value replaces it, leaving the box blank keeps it, and "clear" removes it. A secret
typed into a form that comes back with an error is kept server-side (credentials.kept_secrets)
and used when the form is sent again with its box blank; the box says so.
"""

from django import forms
from django.utils.html import format_html
from django.utils.text import capfirst

from tenancy.models import TenantAccess
from tenancy.tenant_ids import tenant_id_error

from .kept_secrets import TOKEN_FIELD, KeptSecrets
from .platforms import REGISTRY
from .secrets import UNDECRYPTABLE_MESSAGE, UndecryptableSecret

CLEAR_SUFFIX = "_clear"
NEW_TENANT_FIELD = "confirm_new_tenant"
KEPT_MESSAGE = "A new value was typed and is kept; type again to change it."


def secret_status(secret):
    """What staff may know of a stored secret."""
    if secret is None:
        return "Not set."
    try:
        fingerprint = secret.fingerprint()
    except UndecryptableSecret:
        return f"Set, but it {UNDECRYPTABLE_MESSAGE}. Type a new value to replace it."
    return format_html("Set (fingerprint <code>{}</code>). Type a new value to replace it.", fingerprint)


def tenant_is_known(customer_id):
    """Whether any credential, on any platform, or any grant names this tenant."""
    if TenantAccess.objects.filter(customer_ids__contains=[customer_id]).exists():
        return True
    return any(p.model._default_manager.filter(customer_id=customer_id).exists() for p in REGISTRY.values())


class NewTenantConfirmation(forms.Widget):
    """A tick box saying yes, `tenant` is a new customer. Ticked, it posts that tenant id, so it
    confirms that one only: a tenant id changed since it was asked about is asked about again."""

    def __init__(self, tenant):
        super().__init__()
        self.tenant = tenant

    def render(self, name, value, attrs=None, renderer=None):
        element_id = (attrs or {}).get("id", f"id_{name}")
        return format_html(
            '<input type="checkbox" name="{}" value="{}" id="{}"{}> <label for="{}" class="vCheckboxLabel">'
            "Yes, create customer “{}”</label>",
            name,
            self.tenant,
            element_id,
            " checked" if value == self.tenant else "",
            element_id,
            self.tenant,
        )


class CredentialForm(forms.ModelForm):
    secret_fields = ()
    tenant_scope = None  # set by the admin: the tenants the signed-in user is granted
    kept_in = None  # set by the admin: (session, user pk), where this user's typed secrets are kept

    class Media:
        js = ("credentials/copy_credential_id.js",)

    kept_secrets = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm_new_tenant = forms.CharField(required=False, widget=forms.HiddenInput, label="New customer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        adding = self.instance._state.adding
        self.kept = None
        if self.kept_in is not None:
            session, user_pk = self.kept_in
            self.kept = KeptSecrets(
                session,
                user_pk,
                self.instance._meta.db_table,
                None if adding else self.instance.pk,
                self.data.get(TOKEN_FIELD) if self.is_bound else None,
            )
        self.kept_values = self.kept.values() if self.kept and self.is_bound else {}
        self.stored_secrets = {name for name in self.secret_fields if getattr(self.instance, name) is not None}
        self.secret_changes = {}  # field name -> "set", "replaced" or "cleared", once cleaned
        self.typed_secrets = {}  # field name -> plain text typed now or kept from before, once cleaned
        for name in self.secret_fields:
            if name in self.fields:
                self.fields[name].help_text = self._secret_help(name)
                self.fields[name + CLEAR_SUFFIX].label = f"Clear {self.verbose_name(name)}"
        if "scopes" in self.fields:
            self.fields["scopes"].help_text = "As the platform granted them, separated by spaces or commas."

    def _secret_help(self, name):
        if name in self.kept_values:
            return format_html('<strong class="kept-secret">{}</strong>', KEPT_MESSAGE)
        return secret_status(getattr(self.instance, name, None))

    def verbose_name(self, name):
        """A model field's name as staff read it inside a sentence ("access token", "API secret (OAuth 1.0a)")."""
        return str(self._meta.model._meta.get_field(name).verbose_name)

    def clean_scopes(self):
        # OAuth writes scopes space-separated, and a scope holds no space (RFC 6749, 3.3): both separators are read.
        return [scope for typed in self.cleaned_data.get("scopes") or [] for scope in typed.split()]

    def clean_customer_id(self):
        customer_id = self.cleaned_data["customer_id"]  # trimmed, as every text box
        if error := tenant_id_error(customer_id):
            raise forms.ValidationError(error)
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
                self.add_error(name, f"Type a new {self.verbose_name(name)} or tick “clear”, not both.")
            elif clear:
                cleaned[name] = None
            elif not typed and name in self.kept_values:
                cleaned[name] = self.kept_values[name]  # typed before a failed save, kept since
            elif not typed:
                cleaned.pop(name, None)  # left blank: the stored secret stays as it is
            if typed or name in cleaned:
                # Kept should the form fail, even for an error of its own (typed and "clear" both).
                self.typed_secrets[name] = typed or cleaned[name]
            if name in cleaned:
                self._note_secret_change(name, cleaned[name])
        self._check_authenticated(cleaned)
        self._confirm_new_tenant(cleaned)
        return cleaned

    def _note_secret_change(self, name, value):
        if value is not None:
            self.secret_changes[name] = "replaced" if name in self.stored_secrets else "set"
        elif name in self.stored_secrets:
            self.secret_changes[name] = "cleared"

    def _check_authenticated(self, cleaned):
        if not cleaned.get("is_authenticated") or "access_token" not in self.fields:
            return
        token = cleaned["access_token"] if "access_token" in cleaned else self.instance.access_token
        if not token:
            authenticated = capfirst(self.verbose_name("is_authenticated"))
            self.add_error(
                "is_authenticated",
                f"{authenticated} needs an {self.verbose_name('access_token')}: type one (or connect the account "
                f"with a connect link), or untick {authenticated}.",
            )

    def _confirm_new_tenant(self, cleaned):
        """A tenant id nothing knows yet may be a typo: ask before a customer comes into being."""
        customer_id = cleaned.get("customer_id")
        if not customer_id or NEW_TENANT_FIELD not in self.fields:
            return
        if not self.instance._state.adding and customer_id == self.initial.get("customer_id"):
            return
        if tenant_is_known(customer_id):
            return
        self.fields[NEW_TENANT_FIELD].widget = NewTenantConfirmation(customer_id)
        if cleaned.get(NEW_TENANT_FIELD) != customer_id:
            self.add_error(
                "customer_id",
                f"No customer “{customer_id}” yet: create it? Tick “Yes” below, or correct the tenant id.",
            )

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.kept is not None:
            if self._errors:
                self._keep_typed_secrets()
            self.data = self.data.copy()
            self.data[TOKEN_FIELD] = self.kept.token or ""
            if "customer_id" in self.data:
                self.data["customer_id"] = self.data["customer_id"].strip()  # shown as it is kept

    def _keep_typed_secrets(self):
        """The form comes back with errors: keep each secret typed (now or before), say so beside it."""
        typed = {name: value for name, value in self.typed_secrets.items() if value}
        self.kept.keep(typed)
        self.kept_values = typed
        for name in self.secret_fields:
            if name in self.fields:
                # The bound field copied the help text when validation first read it.
                self.fields[name].help_text = self[name].help_text = self._secret_help(name)

    def forget_kept_secrets(self):
        """Saved: what was kept for this form is written and no longer needed."""
        if self.kept is not None:
            self.kept.forget()

    @property
    def changed_data(self):
        """Field names only: a secret typed, kept or cleared reads as its own field, never with a value."""
        own = {TOKEN_FIELD, NEW_TENANT_FIELD, *self.secret_fields, *(n + CLEAR_SUFFIX for n in self.secret_fields)}
        names = [name for name in super().changed_data if name not in own]
        return names + [name for name in self.secret_fields if name in self.secret_changes]


def form_for(platform):
    """The form class for `platform`, with a "clear" box beside each secret."""
    clear_boxes = {name + CLEAR_SUFFIX: forms.BooleanField(required=False) for name in platform.secret_fields}
    meta = type("Meta", (), {"model": platform.model, "fields": "__all__"})
    return type(
        f"{platform.model.__name__}Form",
        (CredentialForm,),
        {"Meta": meta, "secret_fields": platform.secret_fields, **clear_boxes},
    )
