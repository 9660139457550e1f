"""A connect link, and each attempt to follow it through a platform's consent (a flow)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_mongodb_backend.fields import ArrayField


def token_hash(raw):
    """Links and states are kept only as this hash: the database never holds one that works."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token():
    return secrets.token_urlsafe(32)


class LinkStatus(models.TextChoices):
    OPEN = "open", "Open"
    USED = "used", "Used"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class ConnectLink(models.Model):
    """One customer's invitation to connect (or reconnect) one platform account."""

    class Protocol(models.TextChoices):
        OAUTH2 = "oauth2", "OAuth 2.0"
        OAUTH1 = "oauth1", "OAuth 1.0a"

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    customer_id = models.CharField("tenant", max_length=100)
    platform = models.CharField(max_length=20)
    credential_id = models.CharField(
        max_length=36, null=True, blank=True, help_text="The credential to reconnect; empty for a new one."
    )
    protocol = models.CharField(max_length=10, choices=Protocol.choices, default=Protocol.OAUTH2)
    app_client_id = models.CharField("app", max_length=200, help_text="The platform app the customer approves.")
    scopes = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    allow_other_account = models.BooleanField(
        default=False, help_text="A reconnect may replace the account the credential names with another."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by_name = models.CharField("created by", max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, null=True, blank=True)
    spent_at = models.DateTimeField("used at", null=True, blank=True)
    connected_credential_id = models.CharField(max_length=36, null=True, blank=True)
    connected_account = models.CharField(max_length=300, null=True, blank=True)

    class Meta:
        db_table = "connect_links"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["credential_id", "-created_at"]),
            models.Index(fields=["customer_id", "platform"]),
        ]

    def __str__(self):
        target = f"credential {self.credential_id}" if self.credential_id else "a new credential"
        return f"{self.platform} link for tenant {self.customer_id}, {target}"

    def status(self, now=None):
        now = now or timezone.now()
        if self.revoked_at:
            return LinkStatus.REVOKED
        if self.spent_at:
            return LinkStatus.USED
        if self.expires_at <= now:
            return LinkStatus.EXPIRED
        return LinkStatus.OPEN

    @property
    def uses_oauth1(self):
        return self.protocol == self.Protocol.OAUTH1

    @classmethod
    def status_q(cls, status, now=None):
        """`status()` as a query: revoked wins over used, used over expired."""
        now = now or timezone.now()
        return {
            LinkStatus.OPEN: models.Q(revoked_at=None, spent_at=None, expires_at__gt=now),
            LinkStatus.USED: models.Q(revoked_at=None, spent_at__isnull=False),
            LinkStatus.REVOKED: models.Q(revoked_at__isnull=False),
            LinkStatus.EXPIRED: models.Q(revoked_at=None, spent_at=None, expires_at__lte=now),
        }[status]

    @classmethod
    def usable(cls, now=None):
        """The filter of links that may still start or finish a connection."""
        return cls.status_q(LinkStatus.OPEN, now)


class ConnectFlow(models.Model):
    """One trip through the platform's consent, from the link's button back to the callback.

    Its `state` is single-use, expires, belongs to one link, and is bound to the browser that
    started it (a cookie), so a callback carrying someone else's state is refused.
    """

    link = models.ForeignKey(ConnectLink, on_delete=models.CASCADE, related_name="flows")
    state_hash = models.CharField(max_length=64, unique=True)
    browser_hash = models.CharField(max_length=64)
    # The PKCE code verifier, or OAuth 1.0a's request-token secret, sealed (credentials.secrets).
    sealed_secret = models.TextField(null=True, blank=True)
    request_token = models.CharField(max_length=500, null=True, blank=True)  # OAuth 1.0a; public
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)  # the callback spent the state
    # The tokens and the accounts found, sealed, while the customer chooses an account.
    sealed_grant = models.TextField(null=True, blank=True)
    chosen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "connect_flows"

    def __str__(self):
        return f"flow of link {self.link_id} started {self.created_at:%Y-%m-%d %H:%M}"
