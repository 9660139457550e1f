"""A credential's health: what staff see, and whether it needs a person."""

from datetime import timedelta

from django.conf import settings

from .models import Health

# A refresh this late is overdue (no worker running, or all failing to claim it).
OVERDUE_AFTER = timedelta(minutes=15)
# EXPIRES is shown only once the reconnect date is near (the platform's warn_ahead).
NEEDS_A_PERSON = frozenset(
    {Health.NEEDS_RECONNECT, Health.FAILING, Health.MISSING_SCOPE, Health.EXPIRES, Health.NO_TOKEN}
)


def health_of(platform, credential, now):
    """(Health, a short detail for staff)."""
    if credential.access_token is None:
        return Health.NO_TOKEN, ""
    if credential.health == Health.NEEDS_RECONNECT:
        return Health.NEEDS_RECONNECT, credential.last_error_reason or ""
    reconnect_by = platform.reconnect_by(credential, now)
    if reconnect_by is not None and reconnect_by <= now:
        return Health.NEEDS_RECONNECT, f"expired on {reconnect_by:%Y-%m-%d %H:%M} UTC"
    if credential.refresh_failures:
        why = credential.last_error_reason or credential.last_error_code
        detail = f"{credential.refresh_failures} failure(s): {why}"
        failing_after = timedelta(hours=settings.REFRESH_FAILING_AFTER_HOURS)
        if credential.failing_since and credential.failing_since <= now - failing_after:
            return Health.FAILING, detail
        return Health.RETRYING, detail
    if missing := platform.missing_scopes(credential):
        return Health.MISSING_SCOPE, ", ".join(missing)
    if reconnect_by is not None and reconnect_by <= now + platform.refresh.warn_ahead:
        return Health.EXPIRES, f"reconnect needed by {reconnect_by:%Y-%m-%d}"
    if credential.next_refresh_at is not None and credential.next_refresh_at <= now - OVERDUE_AFTER:
        return Health.REFRESH_DUE, f"due since {credential.next_refresh_at:%Y-%m-%d %H:%M} UTC"
    return Health.WORKING, ""
