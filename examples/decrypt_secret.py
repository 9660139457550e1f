"""Decrypt a credential secret stored by the console, from another Python service.

    CREDENTIALS_ENCRYPTION_KEYS=key1,key2 python decrypt_secret.py \\
        <collection> <credential_id> <field> 'enc:v2:...'

An enc:v2 value opens only in the place it was sealed for: the collection, the document's
credential_id and the field it was read from. Needs only `cryptography`.
"""

import base64
import hashlib
import os
import sys

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

AES_KEY_INFO = b"credentials-console enc:v2 AES-256-GCM key"


def decrypt_secret(stored, keys, collection, credential_id, field):
    prefix, version, key_id, payload = stored.split(":", 3)
    if prefix != "enc" or version not in ("v1", "v2"):
        raise ValueError("not an enc:v1 or enc:v2 secret")
    for key in keys:
        raw = base64.urlsafe_b64decode(key)
        if hashlib.sha256(raw).hexdigest()[:8] == key_id:
            break
    else:
        raise ValueError(f"no configured key has id {key_id}")
    try:
        if version == "v1":  # a Fernet token, written before enc:v2
            return Fernet(key).decrypt(payload.encode()).decode()
        aes_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=AES_KEY_INFO).derive(raw)
        data = base64.urlsafe_b64decode(payload)  # 12-byte nonce | ciphertext | 16-byte tag
        place = "\0".join((collection, credential_id, field)).encode()
        return AESGCM(aes_key).decrypt(data[:12], data[12:], place).decode()
    except (InvalidTag, InvalidToken):
        raise ValueError("tampered, sealed for another place, or not sealed by this key") from None


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    collection, credential_id, field, stored = sys.argv[1:]
    keys = os.environ["CREDENTIALS_ENCRYPTION_KEYS"].split(",")
    try:
        print(decrypt_secret(stored, keys, collection, credential_id, field))
    except ValueError as exc:
        sys.exit(f"cannot decrypt: {exc}")
