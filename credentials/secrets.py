"""Credential secrets at rest: authenticated encryption with rotating keys.

A stored secret is the string ``enc:v1:<key-id>:<token>``:

* ``<token>`` is a Fernet token (AES-128-CBC with a random IV, then HMAC-SHA256: tampering
  is detected, never decrypted to garbage);
* ``<key-id>`` is the first 8 hex digits of SHA-256 over the raw Fernet key, naming the key
  that sealed it, so keys rotate without downtime.

Keys come from ``CREDENTIALS_ENCRYPTION_KEYS``, comma-separated Fernet keys: the first
encrypts, all decrypt. There is no plain-text fallback: without valid keys nothing is
encrypted or decrypted, and production refuses to start.

In code a secret is a ``SecretValue``: masked in ``str()``, ``repr()`` and templates; only
``.reveal()`` gives the plain text, so a secret reaches plain text only where code asks
for it by name.
"""

import base64
import binascii
import functools
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

PREFIX = "enc:v1:"
# What the database's validator accepts for a secret (migration 062).
ENCRYPTED_PATTERN = r"^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_=-]+$"
_ENCRYPTED = re.compile(ENCRYPTED_PATTERN)
MASK = "••••••••"
UNDECRYPTABLE_MESSAGE = "cannot be decrypted with the configured keys"
GENERATE_HINT = "generate one with `python manage.py generate_cred_key`"


class UndecryptableSecret(Exception):
    """A stored secret sealed by a key we do not have, or altered since it was sealed."""

    def __init__(self, reason=UNDECRYPTABLE_MESSAGE):
        super().__init__(reason)


def key_id(key):
    raw = base64.urlsafe_b64decode(key)
    return hashlib.sha256(raw).hexdigest()[:8]


class Keyring:
    """The configured keys by id; the first one seals new values."""

    def __init__(self, keys):
        if not keys:
            raise ImproperlyConfigured(f"CREDENTIALS_ENCRYPTION_KEYS is not set: {GENERATE_HINT} and set it")
        self.fernets = {}
        for position, key in enumerate(keys, start=1):
            try:
                fernet = Fernet(key)
                ident = key_id(key)
            except (ValueError, binascii.Error):
                raise ImproperlyConfigured(
                    f"CREDENTIALS_ENCRYPTION_KEYS key #{position} is not a valid Fernet key "
                    f"(32 url-safe base64-encoded bytes): {GENERATE_HINT}"
                ) from None
            self.fernets.setdefault(ident, fernet)
        self.current_id = key_id(keys[0])

    def encrypt(self, plain):
        token = self.fernets[self.current_id].encrypt(plain.encode()).decode()
        return f"{PREFIX}{self.current_id}:{token}"

    def decrypt(self, stored):
        ident, token = parse(stored)
        fernet = self.fernets.get(ident)
        if fernet is None:
            raise UndecryptableSecret()
        try:
            return fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise UndecryptableSecret() from None


@functools.lru_cache(maxsize=4)
def _keyring_for(keys):
    return Keyring(list(keys))


def keyring():
    """The keyring of the current settings (rebuilt when they change, as in tests)."""
    return _keyring_for(tuple(settings.CREDENTIALS_ENCRYPTION_KEYS))


def is_encrypted(stored):
    return isinstance(stored, str) and bool(_ENCRYPTED.match(stored))


def parse(stored):
    """(key id, token) of an encrypted value."""
    if not is_encrypted(stored):
        raise UndecryptableSecret("is not in the enc:v1 format")
    ident, token = stored[len(PREFIX) :].split(":", 1)
    return ident, token


def encrypt_secret(plain):
    return keyring().encrypt(plain)


def decrypt_secret(stored):
    return keyring().decrypt(stored)


class SecretValue:
    """A secret as code holds it: masked everywhere except `.reveal()`.

    Built from what the database stores (decrypted only when revealed, so listing and
    counting credentials never decrypts), or from plain text a person typed (encrypted
    when saved).
    """

    __slots__ = ("_stored", "_plain")

    def __init__(self, *, stored=None, plain=None):
        self._stored = stored
        self._plain = plain

    @classmethod
    def from_stored(cls, stored):
        if is_encrypted(stored):
            return cls(stored=stored)
        # Plain text written before this console (an adopted collection): kept as found
        # until `rotate_cred_keys` or the next save encrypts it.
        return cls(plain=stored)

    @property
    def is_encrypted(self):
        return self._stored is not None

    @property
    def key_id(self):
        return parse(self._stored)[0] if self._stored else None

    def reveal(self):
        """The plain text. Raises UndecryptableSecret if the configured keys cannot open it."""
        if self._plain is None:
            self._plain = decrypt_secret(self._stored)
        return self._plain

    def stored(self):
        """The encrypted form to write to the database."""
        if self._stored is None:
            self._stored = encrypt_secret(self._plain)
        return self._stored

    def fingerprint(self):
        """A few hex digits of a keyed hash, to tell secrets apart without showing them."""
        digest = salted_hmac("credentials.secret-fingerprint", self.reveal(), algorithm="sha256")
        return digest.hexdigest()[:8]

    def __str__(self):
        return MASK

    def __repr__(self):
        return f"<SecretValue {MASK}>"

    def __reduce__(self):
        # Never pickle plain text into a cache or session: only the sealed form travels.
        return (SecretValue.from_stored, (self.stored(),))
