"""Renewing one credential's tokens, and writing what came of it without ever losing a token.

The caller holds the credential's lease (refresh.queue). The new tokens are written in one
update that matches the token the renewal used and the caller's lease: a worker whose lease
ran out while it was stalled, or a credential another writer changed meanwhile, is left as it
is, and the loser records nothing but an event and a log line. X and TikTok rotate refresh
tokens: the rotated one goes in the same update as the access token.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from credentials.health import health_of
from credentials.models import Health
from oauth.app_credentials import AppNotConfigured, app_credentials
from oauth.client import PlatformClient
from oauth.errors import OAuthFailure
from oauth.token_answer import granted_scopes, token_values

from . import webhook
from .classify import classify
from .models import TokenEvent
from .queue import collection_of, held_by, still_held

log = logging.getLogger("refresh")


@dataclass(frozen=True)
class Outcome:
    outcome: str  # a TokenEvent.Outcome
    reason: str = ""


# A renewal that works again after these is news to the publishing services.
WORTH_A_NOTICE = frozenset({Health.NEEDS_RECONNECT, Health.FAILING})
LOST = Outcome(TokenEvent.Outcome.LOST, "another writer changed it, or the lease ran out")


def client_for(platform, credential):
    # Refreshing sends no redirect_uri; the client is the same one connecting used.
    return PlatformClient(platform.oauth, app_credentials(platform, credential), redirect_uri=None)


def renew(platform, credential, holder, actor):
    """Renew `credential` (re-read after its lease was taken by `holder`); its Outcome, recorded."""
    started = time.monotonic()
    now = timezone.now()
    was = credential.health
    method = platform.renewable(credential, now)
    if method is None:
        # Its refresh token is gone or expired since it was scheduled: unschedule it, a person reconnects.
        written = _write(platform, credential, holder, {}, {}, now)
        outcome = Outcome(TokenEvent.Outcome.DEAD, "no way to renew: reconnect") if written else LOST
        return _record(credential, actor, started, outcome)
    # The stored token this renewal spends: the write must find it unchanged.
    spent_field = "refresh_token" if method == "refresh_token" else "access_token"
    spent = {spent_field: getattr(credential, spent_field).stored()}
    # Spending a refresh token twice kills X's whole chain: not after the lease ran out.
    if not still_held(collection_of(platform), credential.credential_id, holder, settings.REFRESH_LEASE_SECONDS):
        return _record(credential, actor, started, LOST)
    try:
        client = client_for(platform, credential)
        if method == "refresh_token":
            token = client.refresh(credential.refresh_token.reveal())
        else:
            token = platform.oauth.exchange(client, {"access_token": credential.access_token.reveal()})
    except AppNotConfigured as exc:
        failure = OAuthFailure(str(exc)[:200], code="app_not_configured")
        return _failed(platform, credential, holder, actor, started, now, spent, failure)
    except OAuthFailure as failure:
        return _failed(platform, credential, holder, actor, started, now, spent, failure)
    values = token_values(token, now, credential)
    if (scopes := granted_scopes(token)) is not None:
        values["scopes"] = scopes
    values.update(
        is_authenticated=True,
        last_token_refresh=now,
        refresh_failures=0,
        failing_since=None,
        last_error_code=None,
        last_error_reason=None,
    )
    written = _write(platform, credential, holder, spent, values, now)
    if written and was in WORTH_A_NOTICE:
        webhook.notify(credential, "recovered")
    return _record(credential, actor, started, Outcome(TokenEvent.Outcome.OK) if written else LOST)


def _failed(platform, credential, holder, actor, started, now, spent, failure):
    verdict = classify(failure, credential.refresh_failures or 0)
    was = credential.health
    values = {
        "last_error_code": verdict.code[:100],
        "last_error_reason": verdict.reason[:300],
        "refresh_failures": (credential.refresh_failures or 0) + 1,
        "failing_since": credential.failing_since or now,
    }
    if verdict.dead:
        values.update(is_authenticated=False, health=Health.NEEDS_RECONNECT, next_refresh_at=None)
        kind = TokenEvent.Outcome.DEAD
    else:
        values["next_refresh_at"] = now + timedelta(seconds=verdict.retry_in)
        kind = TokenEvent.Outcome.TRANSIENT
    written = _write(platform, credential, holder, spent, values, now, schedule=False)
    if written and verdict.dead and was != Health.NEEDS_RECONNECT:
        webhook.notify(credential, "needs_reconnect", f"{verdict.code}: {verdict.reason}")
    return _record(credential, actor, started, Outcome(kind, f"{verdict.code}: {verdict.reason}") if written else LOST)


def _write(platform, credential, holder, spent, values, now, *, schedule=True):
    """Apply `values` in memory, then write them (sealed) with the health they give, releasing
    the lease; False when the lease or the spent token no longer match (nothing written)."""
    for name, value in values.items():
        setattr(credential, name, value)
    if schedule:
        credential.next_refresh_at = platform.next_refresh_at(credential, now)
    credential.reconnect_by = platform.reconnect_by(credential, now)
    credential.health = health_of(platform, credential, now)[0]
    update = {
        name: getattr(credential, name).stored() if name in platform.secret_fields else getattr(credential, name)
        for name in {*values, "next_refresh_at", "reconnect_by", "health"}
    }
    update.update(last_refresh_attempt_at=now, refresh_lease_holder=None, refresh_lease_until=None)
    written = collection_of(platform).update_one({"_id": credential.pk, **held_by(holder), **spent}, {"$set": update})
    if written.matched_count:
        return True
    log.info("refresh of %s: another writer changed it or the lease ran out; left as it is", credential.credential_id)
    return False


def _record(credential, actor, started, outcome):
    TokenEvent.record(credential, TokenEvent.Action.REFRESH, outcome.outcome, outcome.reason, actor, started)
    if outcome.outcome != TokenEvent.Outcome.OK:
        log.warning("refresh of %s: %s %s", credential.credential_id, outcome.outcome, outcome.reason)
    return outcome
