"""The console's settings, for the test suite.

The suite uses the MongoDB named by MONGODB_URI when that is set in the environment
(in a test database it drops afterwards); otherwise it starts its own in-memory
SecantusDB (see `conftest.py`).
"""

import os

# Read before credsite.settings loads `.env`: only an explicit choice points the suite
# at an outside server.
EXTERNAL_MONGODB_URI = os.environ.get("MONGODB_URI")
os.environ.setdefault("DEBUG", "true")

from credsite.settings import *  # noqa: E402,F403

# Hashing passwords slowly protects nothing here and costs seconds per test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Fixed keys for the suite ("A" seals; tests that rotate add "B").
TEST_KEY_A = "4rA0qk8a3G2iVw1O9YFz5bB1U3c6kq9vHq0Zl8H5p2E="
TEST_KEY_B = "Zm9yLXRlc3RzLW9ubHktYi0wMTIzNDU2Nzg5YWJjZGU="
CREDENTIALS_ENCRYPTION_KEYS = [TEST_KEY_A]
