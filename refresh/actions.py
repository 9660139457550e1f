"""What a person does to one credential's tokens: refresh now, test, disconnect; each an audited TokenEvent."""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from credentials.health import health_of
from credentials.models import Health
from credentials.secrets import UndecryptableSecret
from oauth.app_credentials import AppNotConfigured, app_credentials
from oauth.errors import OAuthFailure
from oauth.oauth1_client import OAuth1Client

from . import webhook
from .classify import classify
from .models import TokenEvent
from .queue import claim, collection_of, held_by, worker_name
from .renewal import client_for, renew

log = logging.getLogger("refresh")

CHANGED_WHILE_TESTED = "its token changed while it was being tested (renewed or reconnected); test it again"
# Bookkeeping, not what an action changed: the lease, and the stamps every write gets.
NOT_HISTORY = frozenset({"refresh_lease_holder", "refresh_lease_until", "updated_at", "updated_by"})


@dataclass(frozen=True)
class Result:
    """What one action came to, for the staff message and the history entry (never a secret)."""

    outcome: str | None  # the TokenEvent.Outcome recorded; None when nothing was attempted
    summary: str  # a few words, the same for like results (counted in a bulk action's message)
    detail: str = ""  # why, for this credential
    changed: tuple[str, ...] = ()  # the credential's fields whose value moved

    @property
    def message(self):
        return f"{self.summary}: {self.detail}" if self.detail else self.summary


# --- Refresh now ---------------------------------------------------------------------------------


def refresh_now(platform, credential, actor):
    """Renew `credential` now, due or not, taking its lease as a worker would."""
    collection = collection_of(platform)
    holder = worker_name()
    if claim(collection, credential.credential_id, holder, settings.REFRESH_LEASE_SECONDS) is None:
        return Result(None, "Not refreshed", "another worker is renewing it right now; try again in a moment")
    try:
        # Re-read under the lease: what is renewed is what is stored now.
        before = _reread(credential)
        if before is None:
            return Result(None, "Not refreshed", "it no longer exists")
        if (method := platform.renewable(before, timezone.now())) is None:
            return Result(None, "Not refreshed", _why_not_renewable(platform, before))
        was = _snapshot(before)  # renew() changes the credential it is given
        try:
            outcome = renew(platform, before, holder, actor)
        except UndecryptableSecret:
            return Result(None, "Not refreshed", "its tokens cannot be decrypted with the configured keys")
    finally:
        # renew() releases the lease when it writes; not when another writer won.
        collection.update_one(
            {"credential_id": credential.credential_id, **held_by(holder)},
            {"$set": {"refresh_lease_holder": None, "refresh_lease_until": None}},
        )
    after = _reread(credential)
    summaries = {
        TokenEvent.Outcome.OK: "Refreshed" if method == "refresh_token" else "Renewed by exchange",
        TokenEvent.Outcome.TRANSIENT: "Refresh failed, will retry",
        TokenEvent.Outcome.DEAD: "Refresh failed, needs reconnect",
        TokenEvent.Outcome.LOST: "Not refreshed",
    }
    return Result(outcome.outcome, summaries[outcome.outcome], outcome.reason, _changes(was, after))


def _why_not_renewable(platform, credential):
    if credential.access_token is None:
        return "it holds no token: connect it with a link"
    if platform.uses_oauth1(credential):
        return "OAuth 1.0a tokens do not expire and cannot be renewed"
    if platform.refresh.method is None or credential.refresh_token is None:
        return f"{platform.label} gave it no refresh token: only a reconnect renews it"
    return "its refresh token has expired: only a reconnect renews it"


# --- Test ----------------------------------------------------------------------------------------


def test_credential(platform, credential, actor):
    """Call the platform's identity endpoint with the current access token, and record what it says.

    A refused token (401, invalid_token, Facebook's 190) or a refused grant (403) makes the
    credential need a reconnect; a token that works clears such a verdict, unless the
    refresher found its renewal dead (the token works only until it expires). A timeout or a
    5xx says nothing of the token and changes nothing. Token fields are never written.
    """
    started = time.monotonic()
    now = timezone.now()
    if credential.access_token is None:
        return Result(None, "Not tested", "it holds no token")
    tested = credential.access_token
    try:
        accounts = _identify(platform, credential)
    except UndecryptableSecret:
        return Result(None, "Not tested", "its token cannot be decrypted with the configured keys")
    except AppNotConfigured as exc:
        return _record_test(credential, actor, started, TokenEvent.Outcome.TRANSIENT, "Could not test", str(exc))
    except OAuthFailure as failure:
        return _refused(platform, credential, actor, started, now, tested, failure)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        why = f"the platform answered in an unexpected shape ({type(exc).__name__})"
        return _record_test(credential, actor, started, TokenEvent.Outcome.TRANSIENT, "Could not test", why)
    return _works(platform, credential, actor, started, now, tested, accounts)


test_credential.__test__ = False  # pytest: a function, not a test, wherever it is imported


def _identify(platform, credential):
    """The accounts the platform says the stored access token speaks for (its identity call)."""
    if platform.uses_oauth1(credential):
        client, token, token_secret = _oauth1_signer(platform, credential)
        return platform.oauth1.find_verified(client.verify(token, token_secret))
    return platform.oauth.find_accounts(
        client_for(platform, credential), {"access_token": credential.access_token.reveal()}
    )


def _works(platform, credential, actor, started, now, tested, accounts):
    was = health_of(platform, credential, now)[0]
    detail = _account_answering(credential, accounts)
    renewal_dead = credential.health == Health.NEEDS_RECONNECT and (credential.refresh_failures or 0) > 0
    if renewal_dead:
        detail += f"; but renewing it failed ({credential.last_error_reason}), so it still needs a reconnect"
        return _record_test(credential, actor, started, TokenEvent.Outcome.OK, "Token works", detail)
    values = {"is_authenticated": True}
    if was == Health.NEEDS_RECONNECT and not credential.refresh_failures:
        values.update(last_error_code=None, last_error_reason=None)  # the error was the dead token's
    changed = _write_test(platform, credential, tested, values, now)
    if changed is None:
        return _record_test(credential, actor, started, TokenEvent.Outcome.LOST, "Not recorded", CHANGED_WHILE_TESTED)
    if was == Health.NEEDS_RECONNECT and health_of(platform, credential, now)[0] != Health.NEEDS_RECONNECT:
        webhook.notify(credential, "recovered", "a test found its token working")
    return _record_test(credential, actor, started, TokenEvent.Outcome.OK, "Token works", detail, changed)


def _account_answering(credential, accounts):
    """Which account the token answered for: this credential's, or (worth knowing) another."""
    for account in accounts:
        if all(getattr(credential, name, None) == value for name, value in account.identity.items()):
            return f"it answers for {account.label}"
    labels = ", ".join(account.label for account in accounts) or "no account"
    return f"it answers for {labels}, not the account this credential names"


def _refused(platform, credential, actor, started, now, tested, failure):
    verdict = classify(failure, 0)
    if failure.transient or not (verdict.dead or failure.status == 403):
        # A timeout, a 5xx, a 429, or a refusal that names no token problem: it says nothing of the token.
        return _record_test(credential, actor, started, TokenEvent.Outcome.TRANSIENT, "Could not test", failure.reason)
    expired = credential.token_expiry is not None and credential.token_expiry <= now
    if expired and failure.status != 403 and platform.renewable(credential, now):
        # Only late: the refresher renews it (Refresh now does it at once); no person is needed.
        why = f"the access token expired on {credential.token_expiry:%Y-%m-%d %H:%M} UTC; Refresh now renews it"
        return _record_test(credential, actor, started, TokenEvent.Outcome.TRANSIENT, "Token expired", why)
    if failure.status == 403:
        summary, code = "Missing scope", f"missing_scope: {verdict.code}"
        reason = f"a test found the grant lacks a scope the identity call needs: {failure.reason}"
    else:
        state = "expired" if expired else "revoked"
        summary, code = f"Token {state}", verdict.code
        reason = f"a test found the token {state}: {failure.reason}"
    was = health_of(platform, credential, now)[0]
    values = {
        "is_authenticated": False,
        "health": Health.NEEDS_RECONNECT,
        "last_error_code": code[:100],
        "last_error_reason": reason[:300],
    }
    changed = _write_test(platform, credential, tested, values, now)
    if changed is None:
        return _record_test(credential, actor, started, TokenEvent.Outcome.LOST, "Not recorded", CHANGED_WHILE_TESTED)
    if was != Health.NEEDS_RECONNECT:
        webhook.notify(credential, "needs_reconnect", reason)
    detail = f"{failure.reason}; it needs a reconnect"
    return _record_test(credential, actor, started, TokenEvent.Outcome.DEAD, summary, detail, changed)


def _write_test(platform, credential, tested, values, now):
    """Write a test's verdict, and the health it gives, in one update matching the tested token:
    the names of the fields it moved, or None when the token changed meanwhile (nothing written)."""
    names = [field.name for field in credential._meta.concrete_fields if field.name in {*values, "health"}]
    before = {name: getattr(credential, name) for name in names}
    for name, value in values.items():
        setattr(credential, name, value)
    if values.get("health") != Health.NEEDS_RECONNECT:
        credential.health = health_of(platform, credential, now)[0]
    update = {name: getattr(credential, name) for name in names}
    written = collection_of(platform).update_one(
        {"_id": credential.pk, "access_token": tested.stored()}, {"$set": update}
    )
    if not written.matched_count:
        for name, value in before.items():
            setattr(credential, name, value)
        return None
    return tuple(name for name in names if before[name] != update[name])


def _record_test(credential, actor, started, outcome, summary, detail, changed=()):
    TokenEvent.record(credential, TokenEvent.Action.TEST, outcome, f"{summary}: {detail}", actor, started)
    return Result(outcome, summary, detail, tuple(changed))


# --- Disconnect ----------------------------------------------------------------------------------


def disconnect(platform, credential, actor):
    """Revoke the grant at the platform where it offers that, then clear every token here.

    The lease is taken first, so no worker spends the refresh token meanwhile; a revocation
    that fails is reported, and the tokens are cleared all the same.
    """
    started = time.monotonic()
    collection = collection_of(platform)
    holder = worker_name()
    if claim(collection, credential.credential_id, holder, settings.REFRESH_LEASE_SECONDS) is None:
        return Result(None, "Not disconnected", "a worker is renewing it right now; try again in a moment")
    cleared = _reread(credential)
    if cleared is None:
        return Result(None, "Not disconnected", "it no longer exists")
    was = _snapshot(cleared)
    revoked = _revoke(platform, cleared)
    for name in ("access_token", "refresh_token", *platform.token_fields):
        setattr(cleared, name, None)
    cleared.token_expiry = None
    cleared.is_authenticated = False
    cleared.health = Health.NO_TOKEN
    cleared.refresh_failures, cleared.failing_since = 0, None
    cleared.last_error_code = cleared.last_error_reason = None
    cleared.refresh_lease_holder = cleared.refresh_lease_until = None
    cleared.updated_by = actor[:150]
    written = [
        "access_token", "refresh_token", *platform.token_fields, "token_expiry", "is_authenticated", "health",
        "refresh_failures", "failing_since", "last_error_code", "last_error_reason",
        "refresh_lease_holder", "refresh_lease_until", "updated_by",
    ]  # fmt: skip
    cleared.save(update_fields=written)  # the schedule (next_refresh_at, reconnect_by) follows
    TokenEvent.record(cleared, TokenEvent.Action.DISCONNECT, TokenEvent.Outcome.OK, revoked, actor, started)
    return Result(TokenEvent.Outcome.OK, "Disconnected", revoked, _changes(was, cleared))


def _revoke(platform, credential):
    """Revoke the credential's grant at the platform; what came of it, in a few words."""
    if credential.access_token is None and credential.refresh_token is None:
        return "it held no token"
    oauth1 = platform.uses_oauth1(credential)
    if not oauth1 and not platform.oauth.revocation_url:
        return (
            f"tokens cleared here; {platform.why_not_revoked}: "
            f"the customer removes the app's access in {platform.label}'s settings"
        )
    try:
        if oauth1:
            client, token, token_secret = _oauth1_signer(platform, credential)
            client.revoke(token, token_secret)
        else:
            # Revoking the refresh token ends the whole grant (RFC 7009); without one, the access token.
            kind = "refresh_token" if credential.refresh_token is not None else "access_token"
            client_for(platform, credential).revoke(getattr(credential, kind).reveal(), token_type_hint=kind)
    except (OAuthFailure, AppNotConfigured, UndecryptableSecret) as exc:
        log.warning("disconnect of %s: revocation failed: %s", credential.credential_id, exc)
        return f"tokens cleared here, but revoking at {platform.label} failed: {exc}"
    return f"revoked at {platform.label} and cleared here"


# --- Shared --------------------------------------------------------------------------------------


def _oauth1_signer(platform, credential):
    """(OAuth 1.0a client of the credential's app, access token, token secret) for a signed call."""
    client = OAuth1Client.of(platform, app_credentials(platform, credential, oauth1=True))
    token_secret = getattr(credential, platform.oauth1.token_secret_field)
    return client, credential.access_token.reveal(), token_secret.reveal() if token_secret else ""


def _reread(credential):
    return type(credential)._default_manager.filter(pk=credential.pk).first()


def _snapshot(credential):
    """{field name: value} to tell later what moved; secrets as sealed, never opened."""
    values = {}
    for field in credential._meta.concrete_fields:
        held = field.value_from_object(credential)
        values[field.name] = held.stored() if hasattr(held, "stored") else held
    return values


def _changes(was, after):
    """The names of the fields whose value moved since the snapshot `was`."""
    if after is None:
        return ()
    now = _snapshot(after)
    return tuple(name for name, value in was.items() if name not in NOT_HISTORY and now[name] != value)
