"""The customer's trip: from the link's button to the platform's consent, back, and (maybe) a choice.

Every refusal is a `ConnectFailed` (connect.failures).
"""

import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from credentials.platforms import REGISTRY
from credentials.platforms.base import ConnectedAccount
from credentials.secrets import SecretContext, decrypt_secret, encrypt_secret
from oauth.app_credentials import AppNotConfigured, app_credentials
from oauth.client import PlatformClient
from oauth.errors import OAuthFailure
from oauth.oauth1_client import OAuth1Client
from oauth.token_answer import granted_scopes

from .completion import check_target, save_connection
from .failures import ASK_FOR_A_NEW_LINK, START_AGAIN, ConnectFailed
from .links import callback_url
from .models import ConnectFlow, LinkStatus, new_token, token_hash

log = logging.getLogger("connect")
FLOW_MINUTES = 15


@dataclass
class Choice:
    """The grant reaches several accounts: the customer picks one on the choice page."""

    flow: ConnectFlow
    accounts: list


def check_usable(link):
    status = link.status()
    if status == LinkStatus.OPEN:
        return
    title, message = {
        LinkStatus.USED: ("This link was already used", "It connected an account once and cannot be used again."),
        LinkStatus.REVOKED: ("This link was withdrawn", "The person who sent it has cancelled it."),
        LinkStatus.EXPIRED: ("This link has expired", "Links work for a limited time."),
    }[status]
    raise ConnectFailed(title, f"{message} {ASK_FOR_A_NEW_LINK}", reason=f"link {link.pk} is {status}", status=410)


def _sealed(flow, field, plain):
    return encrypt_secret(plain, SecretContext(ConnectFlow._meta.db_table, flow.state_hash, field))


def _unsealed(flow, field, stored):
    return decrypt_secret(stored, SecretContext(ConnectFlow._meta.db_table, flow.state_hash, field))


def _app(link, platform, credential):
    try:
        app = app_credentials(platform, credential, oauth1=link.uses_oauth1)
    except AppNotConfigured as exc:
        raise ConnectFailed(
            "This link cannot be used right now", ASK_FOR_A_NEW_LINK, reason=f"link {link.pk}: {exc}"
        ) from None
    if app.client_id != link.app_client_id:
        # The link's consent screen would name another app than the one it was made for.
        raise ConnectFailed(
            "This link cannot be used any more",
            ASK_FOR_A_NEW_LINK,
            reason=f"link {link.pk}: the platform app changed since the link was made",
        )
    return app


def start(link, browser_secret):
    """Begin a flow for `link` from the browser holding `browser_secret`: the platform URL to go to."""
    check_usable(link)
    platform = REGISTRY[link.platform]
    credential = check_target(link)
    app = _app(link, platform, credential)
    state = new_token()
    now = timezone.now()
    flow = ConnectFlow(
        link=link,
        state_hash=token_hash(state),
        browser_hash=token_hash(browser_secret),
        created_at=now,
        expires_at=now + timedelta(minutes=FLOW_MINUTES),
    )
    try:
        if link.uses_oauth1:
            client = OAuth1Client.of(platform, app)
            # OAuth 1.0a has no state parameter: the callback URL carries ours.
            request_token, request_secret = client.request_token(
                f"{callback_url(platform)}?{urlencode({'state': state})}"
            )
            flow.request_token = request_token
            flow.sealed_secret = _sealed(flow, "request_token_secret", request_secret)
            url = client.authorization_url(request_token)
        else:
            client = PlatformClient(platform.oauth, app, redirect_uri=callback_url(platform))
            url, verifier = client.authorization_url(state, scopes=link.scopes)
            if verifier:
                flow.sealed_secret = _sealed(flow, "code_verifier", verifier)
    except OAuthFailure as exc:
        raise ConnectFailed(
            f"{platform.label} could not be reached",
            f"Please try again in a few minutes. ({exc.reason})",
            reason=f"link {link.pk}: starting the flow failed: {exc.reason}",
            status=502,
        ) from None
    flow.save()
    # Abandoned flows (a choice never made still holds sealed tokens) go once a day old.
    ConnectFlow.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    log.info("connect link %s: flow started for %s", link.pk, platform.key)
    return url


def _spend_state(platform_key, query, browser_secret):
    """The flow the callback's state names, spent now; refused unless it is this browser's, fresh and unused."""
    state = query.get("state", "")
    if not state:
        raise ConnectFailed(
            "Something went wrong",
            f"The answer from the platform was incomplete. {START_AGAIN}",
            reason="callback without state",
        )
    flow = ConnectFlow.objects.filter(state_hash=token_hash(state)).select_related("link").first()
    if flow is None:
        raise ConnectFailed("Something went wrong", START_AGAIN, reason="callback with an unknown state")
    link = flow.link
    if not browser_secret or token_hash(browser_secret) != flow.browser_hash:
        raise ConnectFailed(
            "This page was opened in another browser",
            f"Finish connecting in the browser where you opened the link. {START_AGAIN}",
            reason=f"link {link.pk}: callback state belongs to another browser",
            status=403,
        )
    if link.platform != platform_key:
        raise ConnectFailed(
            "Something went wrong",
            START_AGAIN,
            reason=f"link {link.pk}: {link.platform} state came back to the {platform_key} callback",
        )
    now = timezone.now()
    if flow.expires_at <= now:
        raise ConnectFailed("This attempt took too long", START_AGAIN, reason=f"link {link.pk}: state expired")
    spent = ConnectFlow.objects.filter(pk=flow.pk, returned_at=None).update(returned_at=now)
    if not spent:
        raise ConnectFailed("This page was already used", START_AGAIN, reason=f"link {link.pk}: state reused")
    check_usable(link)
    return flow, link


def _denied(link, platform, query):
    if "denied" in query or query.get("error"):
        error = query.get("error") or "access_denied"
        raise ConnectFailed(
            "Nothing was connected",
            f"You did not allow access on {platform.label}, so nothing changed. To connect, open the link "
            "again and choose Allow.",
            reason=f"link {link.pk}: the platform answered {error[:60]!r}",
        )


def finish(platform_key, query, browser_secret):
    """The callback: a `Connected` result, or a `Choice` to make first."""
    if platform_key not in REGISTRY:
        raise ConnectFailed(
            "Something went wrong",
            START_AGAIN,
            reason=f"callback for unknown platform {platform_key[:30]!r}",
            status=404,
        )
    flow, link = _spend_state(platform_key, query, browser_secret)
    platform = REGISTRY[platform_key]
    _denied(link, platform, query)
    credential = check_target(link)
    app = _app(link, platform, credential)
    try:
        if link.uses_oauth1:
            token, accounts, scopes = _finish_oauth1(flow, platform, app, query)
        else:
            token, accounts, scopes = _finish_oauth2(flow, link, platform, app, query)
    except OAuthFailure as exc:
        raise ConnectFailed(
            f"{platform.label} did not complete the connection",
            f"Nothing was changed. {START_AGAIN} ({exc.reason})",
            reason=f"link {link.pk}: {exc.reason}",
            status=502,
        ) from None
    if not accounts:
        raise ConnectFailed(
            f"No {platform.label} account to connect",
            f"The {platform.label} account you approved with has nothing this company can post to "
            f"(for example, no page or channel). Nothing was changed. {START_AGAIN}",
            reason=f"link {link.pk}: the grant reaches no account",
        )
    if len(accounts) == 1:
        return save_connection(link, token, accounts[0], scopes)
    grant = json.dumps({"token": token, "scopes": scopes, "accounts": [asdict(a) for a in accounts]})
    flow.sealed_grant = _sealed(flow, "grant", grant)
    flow.expires_at = timezone.now() + timedelta(minutes=FLOW_MINUTES)
    flow.save(update_fields=["sealed_grant", "expires_at"])
    return Choice(flow, accounts)


def _finish_oauth2(flow, link, platform, app, query):
    code = query.get("code", "")
    if not code:
        raise ConnectFailed("Something went wrong", START_AGAIN, reason=f"link {link.pk}: callback without a code")
    declaration = platform.oauth
    client = PlatformClient(declaration, app, redirect_uri=callback_url(platform))
    verifier = _unsealed(flow, "code_verifier", flow.sealed_secret) if flow.sealed_secret else None
    token = client.exchange_code(code, code_verifier=verifier)
    if declaration.exchange:
        token = {**token, **declaration.exchange(client, token)}
    accounts = declaration.find_accounts(client, token)
    if declaration.granted_scopes:
        scopes = declaration.granted_scopes(client, token)
    else:
        # RFC 6749: no scope in the answer means as asked.
        scopes = granted_scopes(token) or list(link.scopes)
    return token, accounts, scopes


def _finish_oauth1(flow, platform, app, query):
    if query.get("oauth_token") != flow.request_token or not query.get("oauth_verifier"):
        raise ConnectFailed(
            "Something went wrong",
            START_AGAIN,
            reason=f"link {flow.link_id}: OAuth 1.0a callback does not match its request token",
        )
    client = OAuth1Client.of(platform, app)
    secret = _unsealed(flow, "request_token_secret", flow.sealed_secret)
    answer = client.access_token(flow.request_token, secret, query["oauth_verifier"])
    token = {"access_token": answer["oauth_token"], "token_secret": answer["oauth_token_secret"]}
    return token, platform.oauth1.find_accounts(answer), []


def pending_choice(flow_id, browser_secret):
    """The flow waiting for this browser's choice, and its accounts."""
    flow = ConnectFlow.objects.filter(pk=flow_id).select_related("link").first() if flow_id else None
    if flow is None or not browser_secret or token_hash(browser_secret) != flow.browser_hash:
        raise ConnectFailed("Something went wrong", START_AGAIN, reason="choice page without its flow", status=404)
    if flow.chosen_at:
        raise ConnectFailed("This choice was already made", START_AGAIN, reason=f"link {flow.link_id}: choice reused")
    if not flow.sealed_grant:
        raise ConnectFailed("Something went wrong", START_AGAIN, reason="choice page of a flow without one", status=404)
    if flow.expires_at <= timezone.now():
        raise ConnectFailed("This attempt took too long", START_AGAIN, reason=f"link {flow.link_id}: choice expired")
    check_usable(flow.link)
    grant = json.loads(_unsealed(flow, "grant", flow.sealed_grant))
    return flow, grant


def choose_account(flow_id, browser_secret, index):
    flow, grant = pending_choice(flow_id, browser_secret)
    accounts = [ConnectedAccount(**account) for account in grant["accounts"]]
    if not 0 <= index < len(accounts):
        raise ConnectFailed("Please choose an account", START_AGAIN, reason=f"link {flow.link_id}: no such choice")
    # Spent once, and the sealed tokens are not kept once used.
    if not ConnectFlow.objects.filter(pk=flow.pk, chosen_at=None).update(chosen_at=timezone.now(), sealed_grant=None):
        raise ConnectFailed("This choice was already made", START_AGAIN, reason=f"link {flow.link_id}: choice reused")
    return save_connection(flow.link, grant["token"], accounts[index], grant["scopes"])


def choice_labels(flow_id, browser_secret):
    """(the platform, the labels of the accounts to choose from)."""
    flow, grant = pending_choice(flow_id, browser_secret)
    return REGISTRY[flow.link.platform], [account["label"] for account in grant["accounts"]]
