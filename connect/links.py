"""Making, finding and revoking connect links."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from credentials.platforms import get_platform
from oauth.app_credentials import AppNotConfigured, app_credentials

from .models import ConnectLink, new_token, token_hash

log = logging.getLogger("connect")
MAX_LINK_HOURS = 24 * 30


class LinkRefused(Exception):
    """A link cannot be made; the message says why (no app configured, a bad expiry...)."""


def link_url(raw_token):
    return f"{settings.CONSOLE_PUBLIC_URL}/connect/{raw_token}/"


def callback_url(platform):
    """What each platform's developer console must list as the app's redirect URI."""
    return f"{settings.CONSOLE_PUBLIC_URL}/connect/callback/{platform.key}/"


def create_link(*, platform, customer_id, credential=None, created_by=None, hours=None, allow_other_account=False):
    """A new link and its URL; the URL is shown once, only its hash is kept."""
    hours = settings.CONNECT_LINK_HOURS if hours is None else hours
    if not 0 < hours <= MAX_LINK_HOURS:
        raise LinkRefused(f"a link lasts more than 0 and at most {MAX_LINK_HOURS} hours, not {hours:g}")
    if credential is not None and credential.customer_id != customer_id:
        raise LinkRefused(f"credential {credential.credential_id} belongs to another tenant")
    oauth1 = platform.uses_oauth1(credential)
    try:
        app = app_credentials(platform, credential, oauth1=oauth1)
    except AppNotConfigured as exc:
        raise LinkRefused(str(exc)) from None
    raw = new_token()
    now = timezone.now()
    link = ConnectLink.objects.create(
        token_hash=token_hash(raw),
        customer_id=customer_id,
        platform=platform.key,
        credential_id=credential.credential_id if credential else None,
        protocol=ConnectLink.Protocol.OAUTH1 if oauth1 else ConnectLink.Protocol.OAUTH2,
        app_client_id=app.client_id,
        scopes=[] if oauth1 else list(platform.oauth.scopes),
        allow_other_account=allow_other_account,
        created_by=created_by,
        created_by_name=created_by.get_username() if created_by else "manage.py connect_link",
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    log.info(
        "connect link %s created by %s for tenant %s, %s", link.pk, link.created_by_name, customer_id, platform.key
    )
    return link, link_url(raw)


def find_link(raw_token):
    """The link a URL token names, whatever its state, or None."""
    return ConnectLink.objects.filter(token_hash=token_hash(raw_token)).first()


def link_credential(link):
    """The credential a reconnect link names (None for a new one, or if it is gone)."""
    if not link.credential_id:
        return None
    model = get_platform(link.platform).model
    return model.objects.filter(credential_id=link.credential_id, customer_id=link.customer_id).first()


def revoke_links(queryset, username):
    """Revoke the open links of `queryset`; how many."""
    now = timezone.now()
    revoked = queryset.filter(ConnectLink.usable(now)).update(revoked_at=now, revoked_by=username)
    log.info("%s revoked %d connect link(s)", username, revoked)
    return revoked
