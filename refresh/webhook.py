"""TOKEN_EVENTS_WEBHOOK_URL: a credential that comes to need a reconnect, or recovers, is POSTed there.

The body is JSON, never a secret. `X-Console-Signature: t=<unix time>,v1=<hex>` carries an
HMAC-SHA256 of "<t>.<body>" keyed with TOKEN_EVENTS_WEBHOOK_SECRET, so a receiver checks both
who sent it and that it is fresh. A failed delivery is retried a few times, then logged.
"""

import hashlib
import hmac
import json
import logging
import time

import requests
from django.conf import settings
from django.utils import timezone

log = logging.getLogger("refresh")
ATTEMPTS = 3
FIRST_PAUSE_SECONDS = 0.5
TIMEOUT_SECONDS = 5


def signature(secret, timestamp, body):
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def notify(credential, event, reason=""):
    """Tell the webhook that `credential` now `event`s ("needs_reconnect" or "recovered"); no-op without one."""
    url = settings.TOKEN_EVENTS_WEBHOOK_URL
    if not url:
        return False
    body = json.dumps(
        {
            "event": event,
            "credential_id": credential.credential_id,
            "platform": credential.platform,
            "customer_id": credential.customer_id,
            "reason": reason,
            "at": timezone.now().isoformat(),
        }
    ).encode()
    pause = FIRST_PAUSE_SECONDS
    for attempt in range(1, ATTEMPTS + 1):
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Console-Signature": signature(settings.TOKEN_EVENTS_WEBHOOK_SECRET, timestamp, body),
        }
        try:
            answer = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
            if answer.status_code < 300:
                return True
            why = f"HTTP {answer.status_code}"
        except requests.RequestException as exc:
            why = type(exc).__name__
        if attempt < ATTEMPTS:
            time.sleep(pause)
            pause *= 4
    log.warning("token events webhook: %s of %s not delivered (%s)", event, credential.credential_id, why)
    return False
