"""OAUTH_ORIGIN_OVERRIDES: every URL the console calls or sends a browser to, pointed elsewhere.

A JSON object mapping a real origin to a replacement base URL, e.g.
{"https://open.tiktokapis.com": "http://127.0.0.1:9100/tiktok"}. Tests, demos and staging
use it; production leaves it empty.
"""

from urllib.parse import urlsplit

from django.conf import settings


def rewrite(url):
    """`url` with its origin replaced if an override names it; otherwise unchanged."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    replacement = settings.OAUTH_ORIGIN_OVERRIDES.get(origin)
    if replacement is None:
        return url
    return replacement.rstrip("/") + url[len(origin) :]
