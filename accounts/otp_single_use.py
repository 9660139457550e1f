"""A sign-in code is spent once, even when the same code arrives twice at the same moment.

django-otp marks a TOTP time step used, and deletes a recovery code, by reading the device,
checking, then saving, and relies on `select_for_update` inside a transaction to keep two
requests apart. This backend has neither, so two requests sent together with one code both
passed. Here the check and the spending are one conditional write: the TOTP step is
claimed only if no later one was, and a recovery code counts only for the request whose
delete removed it. The code arithmetic stays django-otp's own (`TOTP`). Nothing here saves
a whole device: a request holding a stale copy would write old values back (a spent time
step, an older failure count).
"""

import time

from django.db.models import F
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def _record_success(device, claim=None, **fields):
    """Reset throttling and stamp the use; with `claim`, only if that filter still matches."""
    devices = type(device).objects.filter(pk=device.pk, **(claim or {}))
    done = devices.update(
        throttling_failure_count=0, throttling_failure_timestamp=None, last_used_at=timezone.now(), **fields
    )
    device.refresh_from_db()
    return bool(done)


def _record_failure(device):
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=F("throttling_failure_count") + 1, throttling_failure_timestamp=timezone.now()
    )
    device.refresh_from_db()
    return False


def _verify_totp_once(device, token):
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    try:
        token = int(token)
    except (TypeError, ValueError):
        token = None
    if token is not None:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if totp.verify(token, device.tolerance, device.last_t + 1):
            step = totp.t()
            # Claim the time step: only if no request has claimed it, or a later one, meanwhile.
            if _record_success(device, claim={"last_t__lt": step}, last_t=step, drift=totp.drift):
                return True
    return _record_failure(device)


def _verify_recovery_code_once(device, token):
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    removed, _ = device.token_set.filter(token=token).delete()
    if removed:
        return _record_success(device)
    return _record_failure(device)


def spend_codes_once():
    TOTPDevice.verify_token = _verify_totp_once
    StaticDevice.verify_token = _verify_recovery_code_once
