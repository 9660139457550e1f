"""Writing a connection into its credential: tokens sealed, identity filled, link spent, history kept."""

import logging
import time
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.utils import timezone

from credentials.actions import changed_fields_message
from credentials.health import health_of
from credentials.models import Health
from credentials.platforms import REGISTRY
from credentials.platforms.base import ConnectedAccount
from oauth.app_credentials import AppNotConfigured, app_credentials
from oauth.token_answer import token_values
from refresh import webhook
from refresh.models import TokenEvent

from .failures import ASK_FOR_A_NEW_LINK, ConnectFailed
from .links import link_credential
from .models import ConnectLink

log = logging.getLogger("connect")


@dataclass
class Connected:
    credential: object
    account: ConnectedAccount
    created: bool  # a new credential
    renewed: bool  # the credential had tokens before
    reconnected_other: bool  # another credential of the tenant already held the account: it was reconnected


def check_target(link):
    """The credential a reconnect link is for (None for a new one); refused if it is gone or
    has moved to another tenant since."""
    credential = link_credential(link)
    if link.credential_id and credential is None:
        raise ConnectFailed(
            "This link cannot be used any more",
            ASK_FOR_A_NEW_LINK,
            reason=f"link {link.pk}: credential {link.credential_id} is gone",
        )
    return credential


def same_account(platform, credential, account):
    """Whether `account` is the one `credential` names (a blank credential names none).

    The account's ids decide where the credential holds them, so a renamed account is still
    itself. A credential known only by other identity fields (a username, a member whose
    organizations it did not post for) must find the same values in the account.
    """
    stated = {name: getattr(credential, name) for name in account.identity if getattr(credential, name)}
    if stated:
        return all(account.identity[name] == value for name, value in stated.items())
    offered = {**account.fields, **account.identity}
    held = {name: getattr(credential, name) for name in platform.identity_fields if getattr(credential, name)}
    return all(offered.get(name) == value for name, value in held.items())


def _issued_alike(platform, link, credential):
    """Whether the link's tokens would work for `credential`: same protocol, same app."""
    if platform.uses_oauth1(credential) != link.uses_oauth1:
        return False
    try:
        return app_credentials(platform, credential, oauth1=link.uses_oauth1).client_id == link.app_client_id
    except AppNotConfigured:
        return False


def save_connection(link, token, account, scopes):
    """Fill the credential `link` is for (or the tenant's one holding this account, or a new one)."""
    started = time.monotonic()
    platform = REGISTRY[link.platform]
    model = platform.model
    credential = check_target(link)
    if credential is not None and not link.allow_other_account and not same_account(platform, credential, account):
        raise ConnectFailed(
            "That is a different account",
            f"This link reconnects {credential.name}, but you approved with {account.label}. Nothing was "
            f"changed. Sign in to {platform.label} with the account the link was made for, and open the link "
            "again; or ask for a link that allows another account.",
            reason=f"link {link.pk}: the grant names another account than credential {credential.credential_id}",
            status=409,
        )
    holder = (
        model.objects.filter(customer_id=link.customer_id, **account.identity)
        .exclude(credential_id=credential.credential_id if credential else None)
        .first()
    )
    if holder is not None:
        if not _issued_alike(platform, link, holder):
            # Tokens of another app (or protocol) would break the holder at its next refresh.
            raise ConnectFailed(
                "This account is already connected another way",
                f"{account.label} is already connected for you through another {platform.label} app or "
                "sign-in method, so this link cannot connect it. Nothing was changed. Tell the person who "
                "sent you the link.",
                reason=f"link {link.pk}: credential {holder.credential_id} holds the account through another app",
                status=409,
            )
        credential = holder  # the same account twice would be two credentials racing on one token
    created = credential is None
    renewed = not created and credential.access_token is not None
    if created:
        credential = model(customer_id=link.customer_id, name=account.label[:200])
        credential.is_active = not model.objects.filter(customer_id=link.customer_id, is_active=True).exists()

    now = timezone.now()
    spent = ConnectLink.objects.filter(ConnectLink.usable(now), pk=link.pk).update(
        spent_at=now, connected_credential_id=credential.credential_id, connected_account=account.label[:300]
    )
    if not spent:
        raise ConnectFailed(
            "This link was already used",
            ASK_FOR_A_NEW_LINK,
            reason=f"link {link.pk}: spent or withdrawn while connecting",
            status=409,
        )
    needed_reconnect = not created and credential.health == Health.NEEDS_RECONNECT
    try:
        changed = _fill(credential, platform, link, token, account, scopes, now)
        credential.save()
    except Exception:
        ConnectLink.objects.filter(pk=link.pk).update(
            spent_at=None, connected_credential_id=None, connected_account=None
        )
        raise
    _write_history(link, credential, changed, created)
    # Beside the renewals and tests, so the latest events say the credential works again.
    TokenEvent.record(
        credential,
        TokenEvent.Action.CONNECT,
        TokenEvent.Outcome.OK,
        f"{'connected' if created else 'reconnected'} {account.label} through connect link {link.pk}",
        credential.updated_by,
        started,
    )
    if needed_reconnect:
        webhook.notify(credential, "recovered", f"reconnected through connect link {link.pk}")
    log.info(
        "connect link %s: %s credential %s (%s)%s",
        link.pk,
        "created" if created else "reconnected",
        credential.credential_id,
        platform.key,
        ", an existing credential of the tenant" if holder is not None else "",
    )
    return Connected(credential, account, created, renewed, holder is not None)


def _fill(credential, platform, link, token, account, scopes, now):
    """Set the connection's fields on `credential`; the names of those whose value changed."""
    values = {
        **token_values(token, now, credential),
        "scopes": list(scopes),
        "is_authenticated": True,
        # A reconnect starts its health afresh.
        "refresh_failures": 0,
        "failing_since": None,
        "last_error_code": None,
        "last_error_reason": None,
        "last_token_refresh": now,
        **account.identity,
        **account.fields,
        **account.secrets,
    }
    if token.get("token_secret"):
        values[platform.oauth1.token_secret_field] = token["token_secret"]
    # Secrets are new tokens whatever they read; a plain field is named only if its value moved.
    changed = [
        name for name, value in values.items() if name in platform.secret_fields or getattr(credential, name) != value
    ]
    for name, value in values.items():
        setattr(credential, name, value)
    credential.health = health_of(platform, credential, now)[0]
    stamp = f"connect link {link.pk} (sent by {link.created_by_name})"[:150]
    credential.updated_by = stamp
    if credential._state.adding:
        credential.created_by = stamp
    return changed


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
