"""One-time recovery codes: sign in with one when the authenticator is lost; each works once."""

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

CODES_PER_SET = 10
# New codes wait here in the session for the one page that shows them, then are gone from it.
FRESH_CODES_SESSION_KEY = "accounts_fresh_recovery_codes"


def recovery_device(user):
    # django-two-factor-auth's sign-in offers the user's static device as "use a backup token".
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "backup"})
    return device


def replace_codes(request):
    """A new set of codes for the signed-in user, the old ones void; kept for showing once."""
    device = recovery_device(request.user)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(CODES_PER_SET)]
    for code in codes:
        device.token_set.create(token=code)
    request.session[FRESH_CODES_SESSION_KEY] = codes


def take_fresh_codes(request):
    """The codes just made, once: a reload or a later visit no longer shows them."""
    return request.session.pop(FRESH_CODES_SESSION_KEY, None)


def codes_left(user):
    return StaticToken.objects.filter(device__user=user).count()
