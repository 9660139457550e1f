"""Sessions end after an idle time and a maximum age, whatever the cookie says, or when a superuser ends them."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.models import Session
from django.utils import timezone

SIGNED_IN_AT = "accounts_signed_in_at"
LAST_SEEN_AT = "accounts_last_seen_at"
# Recording activity at most this often spares a session write on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def stamp_sign_in(sender, request, user, **kwargs):
    """On `user_logged_in` (connected in AccountsConfig.ready): the session's limits start now."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def expiry_reason(session, now):
    """Why this signed-in session is over, or None while it may go on."""
    idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
    max_age = settings.SESSION_MAX_AGE.total_seconds()
    if now - session.get(SIGNED_IN_AT, now) > max_age:
        return f"You were signed in for the longest a session may last ({settings.SESSION_MAX_AGE}): sign in again."
    if now - session.get(LAST_SEEN_AT, now) > idle:
        return f"Your session ended after {settings.SESSION_IDLE_TIMEOUT} without activity: sign in again."
    return None


class SessionLimitsMiddleware:
    """Signs out a session past SESSION_IDLE_TIMEOUT or SESSION_MAX_AGE; the next page asks to sign in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            reason = expiry_reason(session, now)
            if reason:
                logout(request)
                messages.warning(request, reason)
            else:
                session.setdefault(SIGNED_IN_AT, now)  # sessions that began before these limits
                if now - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION_SECONDS:
                    session[LAST_SEEN_AT] = now
        return self.get_response(request)


def end_sessions_of(user):
    """Sign `user` out everywhere: every live session of theirs is deleted.

    Sessions are stored encoded, so each live one is read; the console's staff hold few.
    """
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
