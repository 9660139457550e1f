"""What a token answer means for a credential: its tokens, their expiries and the scopes granted."""

import re
from datetime import timedelta

# Token answers name the refresh token's own life differently (TikTok, LinkedIn).
REFRESH_LIFE_KEYS = ("refresh_expires_in", "refresh_token_expires_in")
REFRESH_EXPIRY_FIELD = "refresh_token_expiry"


def seconds(token, *keys):
    for key in keys:
        try:
            return int(token[key])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def granted_scopes(token):
    """The answer's `scope`, or None if it does not say; platforms separate them with spaces or
    commas whatever they were asked with (LinkedIn)."""
    if not token.get("scope"):
        return None
    return [scope for scope in re.split(r"[\s,]+", token["scope"]) if scope]


def token_values(token, now, credential):
    """The fields of `credential` a token answer sets. Without a new refresh token the stored
    one stays (Google sends it once; a refresh rarely resends it); the refresh token's own
    expiry is kept where the credential has a field for it (TikTok)."""
    life = seconds(token, "expires_in")
    values = {"access_token": token["access_token"], "token_expiry": now + timedelta(seconds=life) if life else None}
    if token.get("refresh_token"):
        values["refresh_token"] = token["refresh_token"]
    refresh_life = seconds(token, *REFRESH_LIFE_KEYS)
    if refresh_life and hasattr(credential, REFRESH_EXPIRY_FIELD):
        values[REFRESH_EXPIRY_FIELD] = now + timedelta(seconds=refresh_life)
    return values
