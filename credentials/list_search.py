"""What the credential list's search box finds, as queries an index can serve.

A credential_id (a UUID in any case, with or without its dashes or surrounding spaces) finds
that one credential, on the unique credential_id index. Any other term finds credentials
whose name, tenant id or platform account ids and names (the platform's identity fields)
begin with it, case-sensitively: MongoDB answers a case-sensitive prefix from the field's
index, where a "contains" or case-insensitive search reads every document.
"""

import re
import uuid
from functools import reduce
from operator import or_

from django.db.models import Q

UUID_TERM = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def searched_fields(platform):
    """The fields a term is looked up in, besides credential_id."""
    return ("name", "customer_id", *platform.identity_fields)


def search_q(platform, term):
    """The filter for what `term` finds, or None for a blank term."""
    term = term.strip()
    if not term:
        return None
    if UUID_TERM.fullmatch(term):
        return Q(credential_id=str(uuid.UUID(term)))
    return reduce(or_, (Q(**{f"{name}__startswith": term}) for name in searched_fields(platform)))
