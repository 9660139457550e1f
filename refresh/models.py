"""The audit of token work: every refresh, test, disconnect and connection, by a worker, a person or a link."""

import time

from django.db import models
from django.utils import timezone


class TokenEvent(models.Model):
    class Action(models.TextChoices):
        REFRESH = "refresh", "Refresh"
        TEST = "test", "Test"
        DISCONNECT = "disconnect", "Disconnect"
        CONNECT = "connect", "Connect"  # a customer connected the account again through a link

    class Outcome(models.TextChoices):
        OK = "ok", "Succeeded"
        TRANSIENT = "transient", "Failed, will retry"
        DEAD = "dead", "Failed, needs reconnect"
        LOST = "lost", "Skipped: another writer won"

    at = models.DateTimeField(default=timezone.now)
    credential_id = models.CharField(max_length=36)
    platform = models.CharField(max_length=20)
    customer_id = models.CharField("tenant", max_length=100)
    action = models.CharField(max_length=20, choices=Action.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True, default="")  # never a secret
    duration_ms = models.IntegerField(default=0)
    actor = models.CharField(max_length=200, help_text="The person, or the worker (host and process).")

    class Meta:
        db_table = "token_events"
        ordering = ["-at"]
        indexes = [models.Index(fields=["credential_id", "-at"]), models.Index(fields=["-at"])]

    def __str__(self):
        return f"{self.action} of {self.credential_id}: {self.outcome}"

    @classmethod
    def record(cls, credential, action, outcome, reason, actor, started):
        """One event for `credential`; `started` is the time.monotonic() the work began."""
        return cls.objects.create(
            credential_id=credential.credential_id,
            platform=credential.platform,
            customer_id=credential.customer_id,
            action=action,
            outcome=outcome,
            reason=reason[:300],
            duration_ms=round((time.monotonic() - started) * 1000),
            actor=actor,
        )
