"""Writing a connection into its credential: tokens sealed, identity filled, link spent, history kept."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.utils import timezone

from credentials.actions import changed_fields_message
from credentials.platforms import REGISTRY
from credentials.platforms.base import ConnectedAccount

from .links import link_credential
from .models import ConnectLink

log = logging.getLogger("connect")
# Token answers name the refresh token's own life differently (TikTok, LinkedIn).
REFRESH_LIFE_KEYS = ("refresh_expires_in", "refresh_token_expires_in")


@dataclass
class Connected:
    credential: object
    account: ConnectedAccount
    created: bool  # a new credential
    reconnected_other: bool  # another credential of the tenant already held the account: it was reconnected


def _refused(title, message, reason):
    from .flow import ConnectFailed  # the flow module imports this one

    return ConnectFailed(title, message, reason=reason, status=409)


def _names_another_account(credential, account):
    return any(getattr(credential, name) not in (None, value) for name, value in account.identity.items())


def _seconds(token, *keys):
    for key in keys:
        try:
            return int(token[key])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def save_connection(link, token, account, scopes):
    """Fill the credential `link` is for (or the tenant's one holding this account, or a new one)."""
    platform = REGISTRY[link.platform]
    model = platform.model
    credential = link_credential(link)
    if credential is not None and not link.allow_other_account and _names_another_account(credential, account):
        raise _refused(
            "That is a different account",
            f"This link reconnects {credential.name}, but you approved with {account.label}. Nothing was "
            f"changed. Sign in to {platform.label} with the account the link was made for, and open the link "
            "again; or ask for a link that allows another account.",
            f"link {link.pk}: the grant names another account than credential {credential.credential_id}",
        )
    holder = (
        model.objects.filter(customer_id=link.customer_id, **account.identity)
        .exclude(credential_id=credential.credential_id if credential else None)
        .first()
    )
    if holder is not None:
        credential = holder  # the same account twice would be two credentials racing on one token
    created = credential is None
    if created:
        credential = model(customer_id=link.customer_id, name=account.label[:200])
        credential.is_active = not model.objects.filter(customer_id=link.customer_id, is_active=True).exists()

    now = timezone.now()
    spent = ConnectLink.objects.filter(ConnectLink.usable(now), pk=link.pk).update(
        spent_at=now, connected_credential_id=credential.credential_id, connected_account=account.label[:300]
    )
    if not spent:
        raise _refused(
            "This link was already used",
            "Ask the person who sent it for a new link.",
            f"link {link.pk}: spent or withdrawn while connecting",
        )
    try:
        changed = _fill(credential, platform, link, token, account, scopes, now)
        credential.save()
    except Exception:
        ConnectLink.objects.filter(pk=link.pk).update(
            spent_at=None, connected_credential_id=None, connected_account=None
        )
        raise
    _write_history(link, credential, changed, created)
    log.info(
        "connect link %s: %s credential %s (%s)%s",
        link.pk,
        "created" if created else "reconnected",
        credential.credential_id,
        platform.key,
        ", an existing credential of the tenant" if holder is not None else "",
    )
    return Connected(credential, account, created, holder is not None)


def _fill(credential, platform, link, token, account, scopes, now):
    """Set the connection's fields on `credential`; the names of those set."""
    values = {
        "access_token": token["access_token"],
        "scopes": list(scopes),
        "token_expiry": now + timedelta(seconds=seconds) if (seconds := _seconds(token, "expires_in")) else None,
        "is_authenticated": True,
        "last_token_refresh": now,
        **account.identity,
        **account.fields,
        **account.secrets,
    }
    # Without a new refresh token the stored one stays: Google, for one, sends it only once.
    if token.get("refresh_token"):
        values["refresh_token"] = token["refresh_token"]
    if token.get("token_secret"):
        values[platform.oauth1.token_secret_field] = token["token_secret"]
    refresh_life = _seconds(token, *REFRESH_LIFE_KEYS)
    if refresh_life and hasattr(credential, "refresh_token_expiry"):
        values["refresh_token_expiry"] = now + timedelta(seconds=refresh_life)
    for name, value in values.items():
        setattr(credential, name, value)
    stamp = f"connect link {link.pk} (sent by {link.created_by_name})"[:150]
    credential.updated_by = stamp
    if credential._state.adding:
        credential.created_by = stamp
    return list(values)


def _write_history(link, credential, changed, created):
    if link.created_by_id is None:
        return  # its creator's account is gone: the log line above is the record
    model = type(credential)
    LogEntry.objects.log_actions(
        user_id=link.created_by_id,
        queryset=[credential],
        action_flag=ADDITION if created else CHANGE,
        change_message=[{"added": {}}] if created else changed_fields_message(model, *changed),
        single_object=True,
    )
