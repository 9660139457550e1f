"""A credential's token status, as staff see it and filter by it."""

from datetime import timedelta

from django.db.models import Q, TextChoices
from django.utils import timezone

EXPIRING_WITHIN = timedelta(days=7)


class TokenStatus(TextChoices):
    VALID = "valid", "Valid"
    EXPIRING = "expiring", "Expiring within 7 days"
    EXPIRED = "expired", "Expired"
    NO_TOKEN = "none", "No token"


COLOURS = {
    TokenStatus.VALID: "#1b7f3b",
    TokenStatus.EXPIRING: "#b26a00",
    TokenStatus.EXPIRED: "#b3261e",
    TokenStatus.NO_TOKEN: "#666666",
}


def token_status(credential, expiry_fields, now=None):
    """From the token's presence and the earliest of its expiry dates."""
    if credential.access_token is None:
        return TokenStatus.NO_TOKEN
    now = now or timezone.now()
    expiries = [getattr(credential, name) for name in expiry_fields]
    earliest = min((e for e in expiries if e is not None), default=None)
    if earliest is None or earliest >= now + EXPIRING_WITHIN:
        return TokenStatus.VALID
    if earliest < now:
        return TokenStatus.EXPIRED
    return TokenStatus.EXPIRING


def any_before(expiry_fields, moment):
    """Any of the expiry dates falls before `moment`."""
    q = Q()
    for name in expiry_fields:
        q |= Q(**{f"{name}__lt": moment})
    return q


def token_status_q(status, expiry_fields, now=None):
    """The filter selecting credentials whose `token_status` is `status`."""
    now = now or timezone.now()
    has_token = Q(access_token__isnull=False)
    expired = any_before(expiry_fields, now)
    before_soon = any_before(expiry_fields, now + EXPIRING_WITHIN)
    if status == TokenStatus.NO_TOKEN:
        return Q(access_token__isnull=True)
    if status == TokenStatus.EXPIRED:
        return has_token & expired
    if status == TokenStatus.EXPIRING:
        return has_token & before_soon & ~expired
    return has_token & ~before_soon
