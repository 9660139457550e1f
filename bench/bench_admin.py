"""The console under load: list pages, the customer page and bulk deactivation at 100,000 credentials
(and at 1,000,000 with BENCH_ADMIN_CREDENTIALS=100000,1000000), each beside raw pymongo doing the
same reads on the same server, with the documents those reads examined (explain) and a profile.
"""

import cProfile
import io
import os
import pstats
import statistics
import time
from datetime import UTC, datetime, timedelta

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.common import bench_credential_id, report, seed_youtube
from credentials.collections import create_or_adopt
from credentials.list_counts import COUNTED_UP_TO
from credentials.platforms import REGISTRY
from credentials.secrets import SecretContext, encrypt_secret
from tests.factories import sign_in_verified
from tests.page_reads import READS

SIZES = tuple(int(size) for size in os.environ.get("BENCH_ADMIN_CREDENTIALS", "100000").split(","))
PER_TENANT = 50  # a tenant's credentials, at every size: more credentials are more customers
TOKENLESS_EVERY = 20  # one credential in 20 has no token yet (health "no token")
DEACTIVATE = 5_000
REPEAT = 5
PAGE = 50
ORDER = [("created_at", -1), ("_id", -1)]  # the list pages' order (Django adds the _id)
LEAVING = "cust-leaving"
NO_TOKEN = {"$or": [{"access_token": {"$exists": False}}, {"access_token": None}]}


def seed(database, count):
    """`count` YouTube credentials as the publishing services write them (`seed_youtube`: batches of prepared
    documents), inserted before the collection's validator and indexes, which are then adopted as on a
    production database (`create_or_adopt`): SecantusDB builds an index faster than it maintains one through
    a million inserts. One sealed token serves every credential that has one: the pages measured never open it.
    """
    collection = database["youtube_credentials"]
    collection.drop()
    token = encrypt_secret("bench-" + "x" * 100, SecretContext(collection.name, bench_credential_id(0), "access_token"))
    oldest = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=count)

    def fields(n):
        created = oldest + timedelta(seconds=n)
        # A large customer leaving, whose credentials are spread over the years: offboarded in bulk below.
        offboarded = {"customer_id": LEAVING} if n % (count // DEACTIVATE) == 1 else {}
        return {
            **offboarded,
            "channel_name": f"channel-{n}",
            "channel_id": f"UC{n:010d}",
            "access_token": None if n % TOKENLESS_EVERY == 0 else token,
            "is_active": n < count // PER_TENANT,  # each tenant's first: its default
            "is_authenticated": True,
            "scopes": ["https://www.googleapis.com/auth/youtube.upload"],
            "created_at": created,
            "updated_at": created,
            "upload_count": 0,
        }

    seed_youtube(collection, count, count // PER_TENANT, fields)
    create_or_adopt(database, "youtube")
    return collection


def tenant_of(n, count):
    return f"cust-{n % (count // PER_TENANT):04d}"  # as seed_youtube names them


def median_ms(function, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def examined(function):
    """The documents the credential collections' reads examined while `function` ran (explain)."""
    with READS.recording() as reads:
        function()
    return reads.documents_examined(connection.database.client)


def raw_list(collection, query, estimated):
    """What a list page needs, straight from pymongo: its count (estimated, or bounded) and its page."""
    if estimated:
        collection.estimated_document_count()
    else:
        collection.count_documents(query, limit=COUNTED_UP_TO + 1)
    return list(collection.find(query).sort(ORDER).limit(PAGE))


def raw_customer(database, customer_id):
    """What the customer page needs, straight from pymongo: the customer's credentials on each platform, its links."""
    for platform in REGISTRY.values():
        mine = database[platform.collection].find({"customer_id": customer_id})
        list(mine.sort([("is_active", -1), ("name", 1)]).limit(101))
    list(database["connect_links"].find({"customer_id": customer_id}).sort("created_at", -1).limit(20))


def compare(label, console, raw, rows):
    """One row: the console's median beside raw pymongo's (the reads the issue names) and beside raw pymongo
    replaying every command the page sent (its session, user and second factor too: what no page doing those
    reads can go below), how long the console waited for the database, and the documents examined (explain)."""
    console()  # once first: a session idle since the seeding is written again by its first page
    with READS.recording() as reads:
        console()
    replay = reads.replayed(connection.database.client)
    console_ms, raw_ms, replay_ms = median_ms(console), median_ms(raw), median_ms(replay)
    rows.append(
        (
            label,
            f"{console_ms:,.0f} ms ({len(reads.sent)} commands, {reads.database_ms:,.0f} ms of it waiting for the "
            f"database); raw pymongo {raw_ms:,.1f} ms, ratio {console_ms / raw_ms:.1f}x; the page's commands "
            f"replayed by raw pymongo {replay_ms:,.1f} ms, ratio {console_ms / replay_ms:.1f}x; "
            f"documents examined {examined(console):,} (raw {examined(raw):,})",
        )
    )


# Where a page's time goes, as cumulative times: the whole request, waiting for the database, Django's
# change-list view (its queries and the page's rows as model instances), rendering the template, and within it
# the result rows (every cell of 50 rows) and the sign-in checks (session, user, second factor).
PROFILED = (
    r"handlers/base.py.*\(get_response\)|recv_into|options.py.*\(changelist_view\)|response.py.*\(render\)"
    r"|\(items_for_result\)|\(result_list\)|middleware.py.*\(_verify_user_sync\)|auth/middleware.py.*get_user"
)


def profile_summary(function):
    """Where `function`'s time went (cumulative, under the profiler, which slows Python more than the socket)."""
    profiler = cProfile.Profile()
    profiler.runcall(function)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(PROFILED)
    return out.getvalue()


def run_size(database, admin, count):
    started = time.perf_counter()
    collection = seed(database, count)
    seeded = time.perf_counter() - started
    client = sign_in_verified(Client(), admin)  # after seeding, which can outlast a session's idle time
    rows = [(f"seed {count:,} credentials over {count // PER_TENANT:,} tenants", f"{seeded:.0f} s")]
    collection.estimated_document_count()  # the server counts once after the inserts, as MongoDB keeps it
    changelist = reverse("admin:credentials_youtubecredential_changelist")
    tenant = tenant_of(count // 2, count)
    wanted = bench_credential_id(count // 3)

    def page(query_string):
        def get():
            response = client.get(changelist + query_string)
            assert response.status_code == 200, response.status_code

        return get

    cases = [
        ("first page", "", {}, True),
        ("tenant filter", f"?customer_id={tenant}", {"customer_id": tenant}, False),
        ("health filter (no token)", "?health=no_token", NO_TOKEN, False),
        ("search by credential_id", f"?q=+{wanted.upper()}+", {"credential_id": wanted}, False),
    ]
    for label, query_string, query, estimated in cases:
        raw = lambda q=query, e=estimated: raw_list(collection, q, e)  # noqa: E731
        compare(f"list page, {label}", page(query_string), raw, rows)
    profiles = {
        "first page": profile_summary(page("")),
        "tenant filter": profile_summary(page(f"?customer_id={tenant}")),
    }

    customer = reverse("admin:credentials_customer", args=[tenant])

    def customer_page():
        response = client.get(customer)
        assert response.status_code == 200, response.status_code

    compare(f"customer page ({PER_TENANT} credentials)", customer_page, lambda: raw_customer(database, tenant), rows)

    rows.append(deactivation(database, collection, client, changelist))
    collection.drop()
    return rows, profiles


def deactivation(database, collection, client, changelist, repeat=3):
    """Offboarding a customer of DEACTIVATE credentials through the console (filtered by tenant, all selected,
    confirmed), beside one raw update_many and the history entries inserted raw; medians of `repeat`, taken
    in turns so that both meet the same load on the machine."""
    leaving = {"customer_id": LEAVING}
    one = str(collection.find_one(leaving, {"_id": 1})["_id"])
    ids = [document["_id"] for document in collection.find(leaving, {"_id": 1})]

    def console():
        response = client.post(
            f"{changelist}?customer_id={LEAVING}",
            {"action": "deactivate_selected", "post": "yes", "select_across": "1", ACTION_CHECKBOX_NAME: [one]},
        )
        assert response.status_code == 302, response.status_code

    def raw():
        now = datetime.now(UTC)
        changed = {"is_active": False, "updated_at": now, "updated_by": "bench"}
        collection.update_many({**leaving, "is_active": True}, {"$set": changed})
        database["bench_admin_history"].insert_many(
            {
                "action_time": now,
                "user_id": None,
                "content_type_id": None,
                "object_id": str(pk),
                "object_repr": "bench",
                "action_flag": 2,
                "change_message": '[{"changed": {"fields": ["Is active", "Updated at", "Updated by"]}}]',
            }
            for pk in ids
        )

    times = {console: [], raw: []}
    for _ in range(repeat):
        for deactivate in (console, raw):
            collection.update_many(leaving, {"$set": {"is_active": True}})
            started = time.perf_counter()
            deactivate()
            times[deactivate].append(time.perf_counter() - started)
            assert collection.count_documents({**leaving, "is_active": False}) == DEACTIVATE
    database["bench_admin_history"].drop()
    console_s, raw_s = statistics.median(times[console]), statistics.median(times[raw])
    return (
        f"bulk deactivate {DEACTIVATE:,} (offboarding a customer, with history entries)",
        f"{console_s:.2f} s; raw update_many + history insert {raw_s:.2f} s; ratio {console_s / raw_s:.1f}x "
        f"(medians of {repeat})",
    )


def run(database):
    User.objects.filter(username="bench").delete()
    admin = User.objects.create_superuser("bench", password="bench-password-1")
    print("Admin console")
    for count in SIZES:
        rows, profiles = run_size(database, admin, count)
        report(rows)
        for label, summary in profiles.items():
            print(f"  profile of the {label} at {count:,} (the console's process; the database's is its socket wait):")
            print("    " + "\n    ".join(line for line in summary.splitlines() if line.strip())[:3000])
