"""Credential secrets at rest: authenticated encryption bound to each secret's place, with rotating keys.

A stored secret is the string ``enc:v2:<key-id>:<payload>``:

* ``<payload>`` is base64url, with ``=`` padding, of the 12-byte random nonce followed by
  the AES-256-GCM ciphertext and its 16-byte tag;
* the AES key is HKDF-SHA256 (no salt, info ``AES_KEY_INFO``, 32 bytes) of the raw
  configured Fernet key, so configuration stays as it was;
* the associated data is the secret's place, ``<collection> NUL <credential_id> NUL <field>``
  in UTF-8 (none of the three can hold a NUL): a ciphertext copied to another credential or
  another field does not open there, and neither does a tampered one;
* ``<key-id>`` is the first 8 hex digits of SHA-256 over the raw key, naming the key that
  sealed it, so keys rotate without downtime.

Values written before, ``enc:v1:<key-id>:<Fernet token>``, still decrypt (they are bound to no
place); ``rotate_cred_keys`` upgrades them to v2.

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
import hmac
import os
import re
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc:v2:"
# HKDF info strings: one key per purpose, each derived from the configured key.
AES_KEY_INFO = b"credentials-console enc:v2 AES-256-GCM key"
FINGERPRINT_KEY_INFO = b"credentials-console secret fingerprint key"
NONCE_BYTES = 12
TAG_BYTES = 16
# What the database's validator accepts for a secret (migrations 062 and 063).
ENCRYPTED_PATTERN = r"^enc:v[12]:[0-9a-f]{8}:[A-Za-z0-9_=-]+$"
MAX_STORED_LENGTH = 16384
# The longest plain text (UTF-8 bytes) whose v2 form fits MAX_STORED_LENGTH.
MAX_PLAIN_BYTES = (MAX_STORED_LENGTH - len(PREFIX) - len("01234567:")) // 4 * 3 - NONCE_BYTES - TAG_BYTES
_ENCRYPTED = re.compile(ENCRYPTED_PATTERN)
MASK = "••••••••"
UNDECRYPTABLE_MESSAGE = "cannot be decrypted with the configured keys"
GENERATE_HINT = "generate one with `python manage.py generate_cred_key`"


class UndecryptableSecret(Exception):
    """A stored secret sealed by a key we do not have, for another place, or altered since it was sealed."""

    def __init__(self, reason=UNDECRYPTABLE_MESSAGE):
        super().__init__(reason)


class SecretContext(NamedTuple):
    """Where a secret belongs: its ciphertext opens only there."""

    collection: str
    credential_id: str
    field: str

    def associated_data(self):
        if not all(isinstance(part, str) and part and "\0" not in part for part in self):
            raise ValueError(f"a secret is sealed for a collection, a credential_id and a field name, not {self}")
        return b"\0".join(part.encode() for part in self)


def associated_data(context):
    if context is None:
        raise ValueError("a secret is sealed for its place: read or assign it through its credential")
    return context.associated_data()


def key_id(key):
    raw = base64.urlsafe_b64decode(key)
    return hashlib.sha256(raw).hexdigest()[:8]


def derive_key(raw_key, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw_key)


class SealingKey:
    """One configured key: the Fernet key that opens v1 values, and the AES key of v2 ones."""

    def __init__(self, key):
        self.fernet = Fernet(key)
        self.raw = base64.urlsafe_b64decode(key)
        self.id = key_id(key)
        self.aead = AESGCM(derive_key(self.raw, AES_KEY_INFO))


class Keyring:
    """The configured keys by id; the first one seals new values and keys fingerprints."""

    def __init__(self, keys):
        if not keys:
            raise ImproperlyConfigured(f"CREDENTIALS_ENCRYPTION_KEYS is not set: {GENERATE_HINT} and set it")
        self.keys = {}
        for position, key in enumerate(keys, start=1):
            try:
                sealing_key = SealingKey(key)
            except (ValueError, binascii.Error):
                raise ImproperlyConfigured(
                    f"CREDENTIALS_ENCRYPTION_KEYS key #{position} is not a valid Fernet key "
                    f"(32 url-safe base64-encoded bytes): {GENERATE_HINT}"
                ) from None
            self.keys.setdefault(sealing_key.id, sealing_key)
        self.current_id = key_id(keys[0])
        self.fingerprint_key = derive_key(self.keys[self.current_id].raw, FINGERPRINT_KEY_INFO)

    def encrypt(self, plain, context):
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.keys[self.current_id].aead.encrypt(nonce, plain.encode(), associated_data(context))
        return f"{PREFIX}{self.current_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored, context):
        """The plain text of `stored`, which must have been sealed for `context` (v2) or anywhere (v1)."""
        version, ident, payload = parse(stored)
        key = self.keys.get(ident)
        if key is None:
            raise UndecryptableSecret()
        try:
            if version == "v1":
                return key.fernet.decrypt(payload.encode()).decode()
            data = base64.urlsafe_b64decode(payload)
            if len(data) < NONCE_BYTES + TAG_BYTES:
                raise UndecryptableSecret()
            return key.aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], associated_data(context)).decode()
        except (InvalidToken, InvalidTag, binascii.Error):
            raise UndecryptableSecret() from None

    def fingerprint(self, plain, context):
        """8 hex digits of HMAC-SHA256 over the place and the secret: equal secrets elsewhere differ."""
        message = associated_data(context) + b"\0" + plain.encode()
        return hmac.new(self.fingerprint_key, message, hashlib.sha256).hexdigest()[:8]


@functools.lru_cache(maxsize=4)
def _keyring_for(keys):
    return Keyring(list(keys))


def keyring():
    """The keyring of the current settings (rebuilt when they change, as in tests)."""
    return _keyring_for(tuple(settings.CREDENTIALS_ENCRYPTION_KEYS))


def is_encrypted(stored):
    return isinstance(stored, str) and bool(_ENCRYPTED.match(stored))


def parse(stored):
    """(version, key id, payload) of an encrypted value; version is "v1" or "v2"."""
    if not is_encrypted(stored):
        raise UndecryptableSecret("is not in the enc:v1 or enc:v2 format")
    _enc, version, ident, payload = stored.split(":", 3)
    return version, ident, payload


def encrypt_secret(plain, context):
    return keyring().encrypt(plain, context)


def decrypt_secret(stored, context):
    return keyring().decrypt(stored, context)


class SecretValue:
    """A secret as code holds it: masked everywhere except `.reveal()`.

    Built from what the database stores (decrypted only when revealed, so listing and
    counting credentials never decrypts), or from plain text a person typed (encrypted
    when saved). Its context, the place it belongs, is set by the credential that holds it
    (`bound_to`); a value moved to another place is sealed anew for it.
    """

    __slots__ = ("_stored", "_plain", "_context", "_moved_from")

    def __init__(self, *, stored=None, plain=None, context=None, moved_from=None):
        self._stored = stored
        self._plain = plain
        self._context = context
        self._moved_from = moved_from

    @classmethod
    def from_stored(cls, stored):
        if is_encrypted(stored):
            return cls(stored=stored)
        # Plain text written before this console (an adopted collection): kept as found
        # until `rotate_cred_keys` or the next save encrypts it.
        return cls(plain=stored)

    def bound_to(self, context):
        """This secret as held at `context`: itself if it is there already, else a value for it."""
        if context == self._context:
            return self
        if self._context is None:
            # Placed for the first time: a value loaded from the database is placed by the
            # credential whose document held it, and typed text belongs where it is put.
            return SecretValue(stored=self._stored, plain=self._plain, context=context)
        # Moved from another credential or field: its ciphertext opens only there, so it is
        # opened there and sealed anew here, both only when needed.
        return SecretValue(context=context, moved_from=self)

    @property
    def is_encrypted(self):
        return self._stored is not None

    @property
    def key_id(self):
        return parse(self._stored)[1] if self._stored else None

    def reveal(self):
        """The plain text. Raises UndecryptableSecret if the configured keys cannot open it here."""
        if self._plain is None:
            if self._moved_from is not None:
                self._plain = self._moved_from.reveal()
            else:
                self._plain = decrypt_secret(self._stored, self._context)
        return self._plain

    def stored(self):
        """The encrypted form to write to the database, sealed for this value's context."""
        if self._stored is None:
            self._stored = encrypt_secret(self.reveal(), self._context)
        return self._stored

    def fingerprint(self):
        """A few hex digits of a keyed hash, to tell secrets apart without showing them.

        Keyed by the current encryption key and this value's place, so the same secret in
        another credential has another fingerprint and a guess typed elsewhere confirms nothing.
        """
        return keyring().fingerprint(self.reveal(), self._context)

    def __str__(self):
        return MASK

    def __repr__(self):
        return f"<SecretValue {MASK}>"

    def __reduce__(self):
        # Never pickle plain text into a cache or session: only the sealed form and its place travel.
        return (_unpickle_secret, (self.stored(), self._context))


def _unpickle_secret(stored, context):
    return SecretValue(stored=stored, context=context)
