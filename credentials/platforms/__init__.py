"""The platform registry: one module per platform, found here by name.

A platform module defines its credential model and a `PLATFORM` entry. Adding a
platform means adding its module here and one migration script that creates its
collection; nothing else in the console names platforms.
"""

import importlib
import pkgutil

from .base import Platform


def _discover():
    found = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        platform = module.PLATFORM
        found[platform.key] = platform
    return found


REGISTRY: dict[str, Platform] = _discover()
# Every platform's secret field names, for the places that must mask them wherever they come from.
SECRET_FIELD_NAMES = frozenset(name for platform in REGISTRY.values() for name in platform.secret_fields)


def get_platform(key):
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown platform {key!r}; known: {', '.join(sorted(REGISTRY))}") from None


def platform_for_model(model):
    return get_platform(model.platform_key)
