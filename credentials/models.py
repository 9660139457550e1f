"""The credential models: one abstract base here, one concrete model per platform.

The concrete models live in `credentials.platforms`, each beside the rest of its
platform's knowledge; importing the registry here registers them with Django.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django_mongodb_backend.fields import ArrayField

from .fields import SecretField


def new_credential_id():
    """The canonical form other services expect: 36 lowercase characters with dashes."""
    return str(uuid.uuid4())


def validate_credential_id(value):
    try:
        canonical = str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("credential_id must be a UUID.", code="invalid") from None
    if value != canonical:
        raise ValidationError(
            "credential_id must be the canonical lowercase UUID form, e.g. %(example)s.",
            code="not_canonical",
            params={"example": canonical},
        )


class Health(models.TextChoices):
    """What a credential's refresh path says of it, as the console shows it (see credentials.health)."""

    WORKING = "working", "Working"
    REFRESH_DUE = "refresh_due", "Refresh due"
    RETRYING = "retrying", "Retrying"
    FAILING = "failing", "Failing"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    MISSING_SCOPE = "missing_scope", "Missing scope"
    EXPIRES = "expires", "Expires, no refresh"
    NO_TOKEN = "no_token", "No token"


class Credential(models.Model):
    """The fields every platform's collection shares (see shared/spec/collections.md)."""

    #: Set by each concrete model: the registry key, e.g. "youtube".
    platform_key = None

    credential_id = models.CharField(
        max_length=36,
        unique=True,
        default=new_credential_id,
        editable=False,
        validators=[validate_credential_id],
    )
    name = models.CharField(max_length=200, help_text="A friendly name staff recognise.")
    platform = models.CharField(max_length=20, editable=False)
    customer_id = models.CharField("tenant", max_length=100, help_text="The customer (tenant) id.")

    access_token = SecretField()
    refresh_token = SecretField()
    token_expiry = models.DateTimeField(null=True, blank=True)
    scopes = ArrayField(models.CharField(max_length=200), null=True, blank=True, default=list)

    is_active = models.BooleanField(
        "active",
        default=False,
        help_text="The tenant's default credential on this platform; at most one is active.",
    )
    is_authenticated = models.BooleanField("authenticated", default=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_token_refresh = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(null=True, editable=False)
    updated_at = models.DateTimeField(null=True, editable=False)
    created_by = models.CharField(max_length=150, null=True, blank=True, editable=False)
    updated_by = models.CharField(max_length=150, null=True, blank=True, editable=False)
    notes = models.TextField(null=True, blank=True)

    # Kept by the refresher (refresh/), read by the publishing services; never a secret.
    next_refresh_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the refresher renews the tokens next; empty: never."
    )
    refresh_lease_holder = models.CharField(max_length=200, null=True, blank=True, editable=False)
    refresh_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    health = models.CharField(max_length=20, choices=Health.choices, null=True, blank=True, editable=False)
    last_refresh_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    refresh_failures = models.IntegerField(
        "consecutive refresh failures", null=True, blank=True, default=0, editable=False
    )
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_code = models.CharField(max_length=100, null=True, blank=True, editable=False)
    last_error_reason = models.CharField(max_length=300, null=True, blank=True, editable=False)
    reconnect_by = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Without a way to renew its token: reconnect before this."
    )

    class Meta:
        abstract = True
        managed = False  # migrations_mongo owns the collections, not Django's migrate
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self):
        return self.name or self.credential_id

    # Derived on every save from the tokens and the platform's refresh policy.
    SCHEDULE_FIELDS = ("next_refresh_at", "reconnect_by")

    def save(self, *args, update_fields=None, **kwargs):
        """With `update_fields` (as the console saves a change) only those, the stamps and the
        schedule are written: a token the refresher renewed meanwhile is not put back."""
        from .platforms import platform_for_model  # the registry imports this module

        self.platform = self.platform_key
        if not self.credential_id:
            self.credential_id = new_credential_id()
        self._blank_strings_to_null()
        now = timezone.now()
        if self._state.adding and self.created_at is None:
            self.created_at = now
        self.updated_at = now
        platform = platform_for_model(type(self))
        self.next_refresh_at = platform.next_refresh_at(self, now)
        self.reconnect_by = platform.reconnect_by(self, now)
        if update_fields is not None:
            update_fields = {*update_fields, "updated_at", *self.SCHEDULE_FIELDS}
        super().save(*args, update_fields=update_fields, **kwargs)
        if self.is_active:
            self._deactivate_siblings()

    @classmethod
    def label(cls, name):
        """What staff read for a field (its verbose name, as the form labels it), for messages."""
        return capfirst(cls._meta.get_field(name).verbose_name)

    def missing_fields(self, names, why):
        """{name: message} for each of `names` left empty, saying by its label why it is needed."""
        return {name: f"{self.label(name)} is required: {why}" for name in names if not getattr(self, name)}

    def require_fields(self, names, why):
        """For the platforms' rules in clean(): name each of `names` left empty, and why it is needed."""
        if missing := self.missing_fields(names, why):
            raise ValidationError(missing)

    def _blank_strings_to_null(self):
        # The contract: a field a credential does not have is absent or null, never "".
        for field in self._meta.concrete_fields:
            if field.null and getattr(self, field.attname) == "":
                setattr(self, field.attname, None)

    def active_siblings(self):
        """The tenant's other active credentials on this platform."""
        return type(self)._default_manager.filter(customer_id=self.customer_id, is_active=True).exclude(pk=self.pk)

    def _deactivate_siblings(self):
        """Only one active (default) credential per tenant and platform."""
        self.active_siblings().update(is_active=False, updated_at=self.updated_at, updated_by=self.updated_by)


class UploadStats(models.Model):
    """Counters of platforms that take uploads (YouTube, TikTok)."""

    upload_count = models.IntegerField(null=True, blank=True, default=0)
    last_upload_status = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        abstract = True


class PostStats(models.Model):
    """Counters of platforms that take posts."""

    post_count = models.IntegerField(null=True, blank=True, default=0)
    last_post_status = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        abstract = True


from .platforms import REGISTRY  # noqa: E402,F401  (registers the concrete models)
