"""The emulated platforms, one module each; FAMILIES lists them for the server."""

from .facebook import Facebook
from .google import Google
from .linkedin import LinkedIn
from .reddit import Reddit
from .tiktok import TikTok
from .x import X
from .x_oauth1 import XOAuth1

FAMILIES = (Google, Facebook, TikTok, X, XOAuth1, LinkedIn, Reddit)
