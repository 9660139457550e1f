"""Decrypt a credential secret stored by the console, from another Python service.

    CREDENTIALS_ENCRYPTION_KEYS=key1,key2 python decrypt_secret.py 'enc:v1:...'

Needs only `cryptography`.
"""

import base64
import hashlib
import os
import sys

from cryptography.fernet import Fernet


def decrypt_secret(stored, keys):
    prefix, version, key_id, token = stored.split(":", 3)
    if (prefix, version) != ("enc", "v1"):
        raise ValueError("not an enc:v1 secret")
    for key in keys:
        if hashlib.sha256(base64.urlsafe_b64decode(key)).hexdigest()[:8] == key_id:
            return Fernet(key).decrypt(token.encode()).decode()
    raise ValueError(f"no configured key has id {key_id}")


if __name__ == "__main__":
    print(decrypt_secret(sys.argv[1], os.environ["CREDENTIALS_ENCRYPTION_KEYS"].split(",")))
