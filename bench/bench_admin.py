"""The console under load: list pages and bulk deactivation over 100,000 credentials."""

import statistics
import time
from datetime import UTC, datetime

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.common import bench_credential_id, report, seed_youtube
from credentials.collections import create_or_adopt
from credentials.secrets import SecretContext, encrypt_secret
from tests.factories import sign_in_verified

CREDENTIALS = 100_000
TENANTS = 2_000
DEACTIVATE = 5_000
REPEAT = 5


def seed(collection):
    base = int(time.time()) - CREDENTIALS

    def fields(n):
        created = datetime.fromtimestamp(base + n, UTC)
        return {
            "channel_name": f"channel-{n}",
            "channel_id": f"UC{n:010d}",
            # The first DEACTIVATE credentials have no token yet: staff select them with the
            # token status filter and "select all", as they would in the console.
            "access_token": sealed_token(collection.name, n) if n >= DEACTIVATE else None,
            "is_active": n < TENANTS,  # the first credential of each tenant
            "is_authenticated": True,
            "scopes": ["https://www.googleapis.com/auth/youtube.upload"],
            "created_at": created,
            "updated_at": created,
            "upload_count": 0,
        }

    seed_youtube(collection, CREDENTIALS, TENANTS, fields)


def sealed_token(collection_name, n):
    """A token sealed for document n's place, as the console writes it (seed_youtube's credential_id)."""
    place = SecretContext(collection_name, bench_credential_id(n), "access_token")
    return encrypt_secret("bench-token-" + "x" * 100, place)


def median_ms(function):
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def raw_list(collection, query):
    """What a list page needs, straight from pymongo: the count and the first 50."""
    collection.count_documents(query)
    list(collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(50))


def run(database):
    create_or_adopt(database, "youtube")
    collection = database["youtube_credentials"]
    started = time.perf_counter()
    seed(collection)
    seeded = time.perf_counter() - started

    User.objects.filter(username="bench").delete()
    admin = User.objects.create_superuser("bench", password="bench-password-1")
    client = sign_in_verified(Client(), admin)
    changelist = reverse("admin:credentials_youtubecredential_changelist")
    search_regex = {"$regex": "channel-4242", "$options": "i"}
    cases = [
        ("first page", "", {}),
        ("tenant filter", "?customer_id=cust-0042", {"customer_id": "cust-0042"}),
        (
            "search",
            "?q=channel-4242",
            {"$or": [{f: search_regex} for f in ("name", "customer_id", "channel_name", "channel_id")]},
        ),
    ]
    rows = [(f"seed {CREDENTIALS:,} credentials over {TENANTS:,} tenants", f"{seeded:.1f} s")]
    for label, query_string, raw_query in cases:

        def page(query_string=query_string):
            response = client.get(changelist + query_string)
            assert response.status_code == 200

        console = median_ms(page)
        with CaptureQueriesContext(connection) as captured:
            page()
        raw = median_ms(lambda raw_query=raw_query: raw_list(collection, raw_query))
        rows.append(
            (
                f"list page, {label}",
                f"{console:,.0f} ms median, {len(captured)} queries; raw pymongo {raw:,.0f} ms; "
                f"ratio {console / raw:.1f}x",
            )
        )

    tokenless = {"access_token": None}
    collection.update_many(tokenless, {"$set": {"is_active": True}})
    started = time.perf_counter()
    one = str(collection.find_one(tokenless, {"_id": 1})["_id"])
    response = client.post(
        changelist + "?health=no_token",
        {"action": "deactivate_selected", "post": "yes", "select_across": "1", ACTION_CHECKBOX_NAME: [one]},
    )
    console = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    assert collection.count_documents({**tokenless, "is_active": False}) == DEACTIVATE
    collection.update_many(tokenless, {"$set": {"is_active": True}})
    started = time.perf_counter()
    collection.update_many({**tokenless, "is_active": True}, {"$set": {"is_active": False, "updated_by": "bench"}})
    raw = time.perf_counter() - started
    rows.append(
        (
            f"bulk deactivate {DEACTIVATE:,} (with history entries)",
            f"{console:.2f} s; raw pymongo update_many {raw:.2f} s; ratio {console / raw:.1f}x",
        )
    )
    collection.drop()
    print("Admin console")
    report(rows)
