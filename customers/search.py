"""Finding a customer by tenant id or a prefix of it, among the tenants the user is granted."""

import re

from django.db import connection
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from connect.models import ConnectLink
from credentials.platforms import REGISTRY
from tenancy.scope import TenantScope

from .links import customer_url

RESULTS_LIMIT = 50


def tenants_starting_with(scope, prefix, limit=RESULTS_LIMIT):
    """([tenant id], whether there are more): the granted tenants whose id starts with `prefix`, sorted.

    A user granted all tenants finds those that a credential or a connect link names, each
    collection asked for at most `limit` distinct ids through its `customer_id` index.
    """
    if scope.all_tenants:
        found = set()
        for model in (*(platform.model for platform in REGISTRY.values()), ConnectLink):
            found.update(distinct_ids_starting_with(connection.database[model._meta.db_table], prefix, limit + 1))
    else:
        found = {tenant for tenant in scope.customer_ids if tenant.startswith(prefix)}
    ordered = sorted(found)
    return ordered[:limit], len(ordered) > limit


def distinct_ids_starting_with(collection, prefix, limit):
    """Up to `limit` distinct customer ids of `collection` starting with `prefix`, in order.

    Sorted on the customer_id index before grouping, MongoDB reads each distinct id once (a
    distinct scan) instead of every matching document, as the ORM's distinct() would.
    """
    pipeline = [
        {"$match": {"customer_id": {"$regex": f"^{re.escape(prefix)}"}}},
        {"$sort": {"customer_id": 1}},
        {"$group": {"_id": "$customer_id"}},
        {"$sort": {"_id": 1}},
        {"$limit": limit},
    ]
    return [group["_id"] for group in collection.aggregate(pipeline)]


def customer_search_view(admin_site, request):
    """Straight to the customer page when one tenant matches; otherwise the matches, as links."""
    query = (request.GET.get("q") or "").strip()
    found, more = tenants_starting_with(TenantScope.for_request(request), query) if query else ([], False)
    if len(found) == 1 and not more:
        return redirect(customer_url(found[0]))
    context = {
        **admin_site.each_context(request),
        "title": "Find a customer",
        "query": query,
        "found": found,
        "more": more,
        "limit": RESULTS_LIMIT,
    }
    return TemplateResponse(request, "admin/customers/search.html", context)
