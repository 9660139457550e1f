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
