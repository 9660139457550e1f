"""The client's address for sign-in lockouts, read through the trusted reverse proxies only."""

from django.conf import settings


def client_ip(request):
    """The address TRUSTED_PROXY_COUNT proxies saw connecting; REMOTE_ADDR when there are none.

    Each proxy appends the address it was reached from to X-Forwarded-For, so the client is
    the entry that many places from the right; anything further left the client wrote itself.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
