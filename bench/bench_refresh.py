"""The refresher: 10,000 due credentials holding emulator-issued tokens, renewed against the
emulator answering every request after 50 ms, by one worker at concurrency 1, 16 and 64 and by
two worker processes at 64 each.

The credentials are spread evenly over the four platforms renewed by refresh token: YouTube and
Reddit, and TikTok and X, whose refresh tokens rotate on every refresh (X revokes the whole chain
when a spent one comes back). All 10,000 stay due through the runs; each run stops after its
share of renewals (or its time limit), and a renewed credential is due again only hours later,
so no credential is renewed twice: any refresh token the emulator is sent twice was spent twice.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import timedelta

from bson import ObjectId
from django.conf import settings
from django.db import connection
from django.utils import timezone
from pymongo import MongoClient, monitoring

from bench.common import PROJECT_DIR, bench_credential_id, report
from credentials.collections import create_or_adopt
from credentials.models import Health
from credentials.platforms import REGISTRY
from credentials.secrets import SecretContext, encrypt_secret
from devtools.oauth_emulator import start_emulator
from refresh.models import TokenEvent
from refresh.queue import claim_due, held_by, still_held
from refresh.worker import Worker

PLATFORMS = ("youtube", "tiktok", "twitter", "reddit")  # renewed by refresh token
CREDENTIALS = 10_000
LATENCY = 0.05  # seconds the emulator waits before every answer
TENANTS = 200
# (label, worker processes, concurrency of each, renewals, time limit in seconds): a run stops
# taking work at whichever comes first and finishes what is in flight. The first three run in
# this process as Worker(...).run(); the last as two `manage.py refresh_tokens` processes.
RUNS = (
    ("1 worker, concurrency 1", 1, 1, 100, 30),
    ("1 worker, concurrency 16", 1, 16, 1_000, 40),
    ("1 worker, concurrency 64", 1, 64, 3_000, 40),
    ("2 worker processes, concurrency 64 each", 2, 64, 3_000, 40),
)
COUNTED_RUN = 1  # the run whose database commands are counted (concurrency 16)
DATABASE_ALONE = (16, 1_000, 15)  # concurrency, refreshes, time limit: the database work alone


class CommandCounter(monitoring.CommandListener):
    """Every command a client sends, by name: one command, one round trip."""

    def __init__(self):
        self.counts = Counter()

    def started(self, event):
        self.counts[event.command_name] += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


# --- Credentials holding the emulator's tokens --------------------------------------------------


def identity(platform_key, account):
    """The identity fields connecting would have filled from the emulated account."""
    if platform_key == "youtube":
        return {"channel_id": account["id"], "channel_name": account["title"]}
    if platform_key == "tiktok":
        return {"open_id": account["open_id"], "username": account["username"]}
    if platform_key == "twitter":
        return {"user_id": account["id"], "username": account["username"], "auth_type": "oauth2"}
    return {"user_id": account["id"], "username": account["name"]}  # reddit


def seed(database, emulator, now):
    """CREDENTIALS documents as the console writes connected credentials, n on PLATFORMS[n % 4],
    each holding a pair of tokens the emulator issued, through the platform's default app (no
    app fields), due: 5 minutes of access token left, inside the 10-minute margin."""
    expiry = now + timedelta(minutes=5)
    for offset, key in enumerate(PLATFORMS):
        platform = REGISTRY[key]
        collection = database[platform.collection]
        numbers = range(offset, CREDENTIALS, len(PLATFORMS))
        accounts = emulator.accounts(key)
        scopes = list(platform.oauth.scopes)
        tokens = [
            iter(emulator.mint_tokens(key, len(numbers[index :: len(accounts)]), account=index, scopes=scopes))
            for index in range(len(accounts))
        ]
        documents = []
        for position, n in enumerate(numbers):
            account = position % len(accounts)
            token = next(tokens[account])
            credential_id = bench_credential_id(n)
            document = {
                "_id": ObjectId(),
                "credential_id": credential_id,
                "name": f"{platform.label} credential {n}",
                "platform": key,
                "customer_id": f"cust-{n % TENANTS:04d}",
                **identity(key, accounts[account]),
                "access_token": seal(collection, credential_id, "access_token", token["access_token"]),
                "refresh_token": seal(collection, credential_id, "refresh_token", token["refresh_token"]),
                "token_expiry": expiry,
                "scopes": scopes,
                "is_active": n < TENANTS * len(PLATFORMS),
                "is_authenticated": True,
                "last_token_refresh": now - timedelta(hours=2),
                "created_at": now,
                "updated_at": now,
                "health": Health.REFRESH_DUE.value,
                "refresh_failures": 0,
                # In the past, most overdue first in credential order.
                "next_refresh_at": expiry - platform.refresh.ahead - timedelta(milliseconds=CREDENTIALS - n),
            }
            if "refresh_expires_in" in token:
                document["refresh_token_expiry"] = now + timedelta(seconds=token["refresh_expires_in"])
            documents.append(document)
        collection.delete_many({})
        for start in range(0, len(documents), 1_000):
            collection.insert_many(documents[start : start + 1_000])


def seal(collection, credential_id, field, value):
    return encrypt_secret(value, SecretContext(collection.name, credential_id, field))


# --- Runs -----------------------------------------------------------------------------------------


def refresh_requests(emulator):
    """Every refresh grant the emulator was sent, as (platform, refresh token)."""
    return [
        (key, request["form"].get("refresh_token"))
        for key in PLATFORMS
        for request in emulator.requests_seen(key)
        if request["form"].get("grant_type") == "refresh_token"
    ]


def stop_after(emulator, renewals, limit, stop):
    """Call stop() once the emulator has been sent `renewals` more refreshes, or after `limit` s."""
    before = len(refresh_requests(emulator))
    deadline = time.monotonic() + limit
    done = threading.Event()

    def watch():
        while not done.wait(0.05):
            if time.monotonic() > deadline or len(refresh_requests(emulator)) - before >= renewals:
                stop()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return done


def run_in_process(emulator, concurrency, renewals, limit, counter=None):
    worker = Worker(concurrency=concurrency, lease_seconds=settings.REFRESH_LEASE_SECONDS, once=True)
    done = stop_after(emulator, renewals, limit, worker.stop)
    try:
        if counter is None:
            worker.run()
        else:
            with client_listened_to(counter):
                worker.run()
    finally:
        done.set()
    return worker.renewed


@contextmanager
def client_listened_to(listener):
    """This thread and the worker's talk to the database through a client with `listener` on it.

    django-mongodb-backend shares one MongoClient (the alias's pool) between threads, each
    thread's connection taking it when it connects: the worker's threads are new, so they take
    the one put there; the original is put back afterwards.
    """
    pools, alias, name = connection._connection_pools, connection.alias, connection.settings_dict["NAME"]
    original = pools[alias]
    listened = MongoClient(**connection.get_connection_params(), event_listeners=[listener])
    pools[alias] = connection.connection = listened
    connection.database = listened[name]
    try:
        yield
    finally:
        pools[alias] = connection.connection = original
        connection.database = original[name]
        listened.close()


def run_processes(emulator, processes, concurrency, renewals, limit):
    """`processes` × `manage.py refresh_tokens --once`, sharing the work through the database
    alone; SIGTERM (finish what is in flight) once the run's renewals are done."""
    env = {
        **os.environ,
        "OAUTH_ORIGIN_OVERRIDES": json.dumps(emulator.origin_overrides()),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "manage.py", "refresh_tokens", "--once", "--concurrency", str(concurrency)]
    running = [
        subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    done = stop_after(
        emulator, renewals, limit, lambda: [p.send_signal(signal.SIGTERM) for p in running if p.poll() is None]
    )
    renewed = 0
    try:
        for process in running:
            out, err = process.communicate(timeout=limit + 300)
            if process.returncode == -signal.SIGTERM and not out:
                continue  # stopped before it had set its SIGTERM handler: the other did the run's share
            if process.returncode != 0:
                raise RuntimeError(f"refresh_tokens exited {process.returncode}: {err[-2000:]}")
            if err.strip():
                print(err.strip(), file=sys.stderr)
            renewed += int(out.split()[1])  # "renewed N credential(s)"
    finally:
        done.set()
    return renewed


def renewal_window(since):
    """(outcomes, seconds from the first renewal's start to the last one's end) of the refresh
    events written since `since`: an event's `at` is when it ended, `duration_ms` how long it took."""
    events = list(TokenEvent.objects.filter(at__gte=since, action="refresh").values("at", "duration_ms", "outcome"))
    outcomes = Counter(event["outcome"] for event in events)
    first = min(event["at"] - timedelta(milliseconds=event["duration_ms"]) for event in events)
    last = max(event["at"] for event in events)
    return outcomes, (last - first).total_seconds()


def database_alone(database, concurrency, claims, limit):
    """What the database allows: the refresher's commands for a refresh, with its filters, as raw
    pymongo, and no HTTP, cryptography or ORM. Shaped as the worker is: one thread claims (taking
    turns over the platforms), `concurrency` threads read, check the lease, write and release, and
    insert the event. (refreshes, seconds); the credentials it takes are rescheduled an hour
    ahead, their tokens untouched."""
    collections = [database[REGISTRY[key].collection] for key in PLATFORMS]
    events = database["bench_token_events"]
    holder = "bench-database-alone"

    def rest(collection, document):
        collection.find_one({"_id": document["_id"]})
        still_held(collection, document["credential_id"], holder, 60)
        now = timezone.now()
        collection.update_one(
            {"_id": document["_id"], **held_by(holder), "refresh_token": document["refresh_token"]},
            {
                "$set": {
                    "next_refresh_at": now + timedelta(hours=1),
                    "last_refresh_attempt_at": now,
                    "refresh_lease_holder": None,
                    "refresh_lease_until": None,
                }
            },
        )
        events.insert_one({"at": now, "credential_id": document["credential_id"], "outcome": "ok"})

    started = time.perf_counter()
    deadline = time.monotonic() + limit
    in_flight, submitted = set(), []
    with ThreadPoolExecutor(concurrency) as pool:
        for turn in range(claims):
            if time.monotonic() > deadline:
                break
            if len(in_flight) >= concurrency:
                _, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            collection = collections[turn % len(collections)]
            document = claim_due(collection, holder, 60)
            if document is None:
                break
            submitted.append(pool.submit(rest, collection, document))
            in_flight.add(submitted[-1])
    seconds = time.perf_counter() - started
    done = sum(1 for future in submitted if future.result() is None)  # raises what a thread raised
    events.drop()
    return done, seconds


# --- The benchmark --------------------------------------------------------------------------------


def run(database):
    logging.getLogger("refresh").setLevel(logging.WARNING)  # the workers' start and stop lines
    for key in REGISTRY:  # every platform's collection, as a deployed console has them
        create_or_adopt(database, key)
    TokenEvent.objects.all().delete()

    emulator = start_emulator()
    saved_overrides = settings.OAUTH_ORIGIN_OVERRIDES
    saved_env = {name: os.environ.get(name) for name in emulator.app_environment()}
    try:
        settings.OAUTH_ORIGIN_OVERRIDES = emulator.origin_overrides()
        os.environ.update(emulator.app_environment())
        rows, twice, unauthenticated = measure(database, emulator)
    finally:
        emulator.stop()
        settings.OAUTH_ORIGIN_OVERRIDES = saved_overrides
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for key in PLATFORMS:
            database[REGISTRY[key].collection].delete_many({})
        TokenEvent.objects.all().delete()

    print("Refresher")
    report(rows)
    assert twice == 0 and unauthenticated == 0, "a refresh token was spent twice, or a credential stopped working"


def measure(database, emulator):
    started = time.perf_counter()
    seed(database, emulator, timezone.now())
    seeded = time.perf_counter() - started
    collections = [database[REGISTRY[key].collection] for key in PLATFORMS]
    due = sum(c.count_documents({"next_refresh_at": {"$lte": timezone.now()}}) for c in collections)
    assert due == CREDENTIALS, due
    emulator.set_latency(LATENCY)
    rows = [
        (
            f"seed {CREDENTIALS:,} due credentials ({', '.join(PLATFORMS)}; tokens minted by the emulator)",
            f"{seeded:.1f} s; the emulator answers after {LATENCY * 1000:.0f} ms",
        )
    ]

    counter = CommandCounter()
    for number, (label, processes, concurrency, renewals, limit) in enumerate(RUNS):
        since = timezone.now()
        wall = time.perf_counter()
        if processes == 1:
            renewed = run_in_process(emulator, concurrency, renewals, limit, counter if number == COUNTED_RUN else None)
        else:
            renewed = run_processes(emulator, processes, concurrency, renewals, limit)
        wall = time.perf_counter() - wall
        outcomes, seconds = renewal_window(since)
        rate = outcomes["ok"] / seconds
        if number == COUNTED_RUN:
            counted, counted_rate = renewed, rate
        bound = processes * concurrency / LATENCY
        other = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items() if outcome != "ok")
        rows.append(
            (
                f"{label}: {outcomes['ok']:,} renewals" + (f" (and {other})" if other else ""),
                f"{rate:,.1f} refreshes/s over {seconds:.1f} s (wall {wall:.1f} s); bound {bound:,.0f}/s "
                f"({processes * concurrency} in flight / {LATENCY * 1000:.0f} ms); ratio {rate / bound:.3f}",
            )
        )
        assert renewed == sum(outcomes.values()), (label, renewed, outcomes)

    threads, claims, limit = DATABASE_ALONE
    done, seconds = database_alone(database, threads, claims, limit)
    alone = done / seconds
    rows.append(
        (
            f"the database alone: {done:,} refreshes' commands as raw pymongo, concurrency {threads}, no HTTP",
            f"{alone:,.1f} refreshes/s ({seconds:.1f} s); the worker at concurrency 16 / this: "
            f"{counted_rate / alone:.2f}",
        )
    )

    commands = sum(counter.counts.values())
    breakdown = ", ".join(f"{name} {count / counted:.2f}" for name, count in counter.counts.most_common())
    rows.append(
        (
            f"database round trips per refresh (concurrency 16, {counted:,} renewals)",
            f"{commands / counted:.2f}: {breakdown}",
        )
    )

    spent = Counter(refresh_requests(emulator))
    twice = sum(1 for uses in spent.values() if uses > 1)
    unauthenticated = sum(
        c.count_documents({"$or": [{"is_authenticated": {"$ne": True}}, {"health": Health.NEEDS_RECONNECT.value}]})
        for c in collections
    )
    renewed = sum(
        c.count_documents({"last_token_refresh": {"$gt": timezone.now() - timedelta(hours=1)}}) for c in collections
    )
    rows.append(
        (
            "refresh tokens used twice (must be 0)",
            f"{twice} of {sum(spent.values()):,} refresh requests; credentials not authenticated "
            f"(must be 0): {unauthenticated} of {CREDENTIALS:,}, {renewed:,} of them renewed",
        )
    )
    return rows, twice, unauthenticated
