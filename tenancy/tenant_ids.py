"""What a tenant id may be: every place that takes one (credential forms, connect links, grants) asks here."""

import unicodedata


def tenant_id_flaw(customer_id):
    """Why `customer_id` cannot be a tenant id (a blank or control character inside), or None."""
    for position, char in enumerate(customer_id, start=1):
        if char.isspace() or unicodedata.category(char).startswith("C"):
            name = unicodedata.name(char, "a control character").lower()
            return f"it holds {name} (U+{ord(char):04X}) at position {position}"
    return None


def tenant_id_error(customer_id):
    """The message refusing `customer_id`, or None when it may be a tenant id."""
    flaw = tenant_id_flaw(customer_id)
    return f"A tenant id cannot hold spaces or control characters: {flaw}." if flaw else None
