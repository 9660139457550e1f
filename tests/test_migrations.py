"""`apply_cred_migrations` and the scripts of migrations_mongo/, against a real server."""

import os
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from django.conf import settings
from pymongo.errors import WriteError

from credentials.checks import drift
from credentials.lease import LeaseLock, LeaseLost
from credentials.migrator import CHANGELOG_COLLECTION, LOCK_COLLECTION, LOCK_NAME, Migrator
from credentials.platforms import REGISTRY

COLLECTIONS = sorted(p.collection for p in REGISTRY.values())
MIGRATIONS = [
    "018_create_youtube_credentials",
    "056_create_instagram_credentials",
    "057_create_tiktok_credentials",
    "058_create_twitter_credentials",
    "059_create_linkedin_credentials",
    "060_create_facebook_credentials",
    "061_create_reddit_credentials",
    "062_require_encrypted_secrets",
    "063_accept_v2_and_bound_secret_length",
    "064_refresh_queue_and_health",
    "065_list_page_indexes",
    "066_list_order_indexes",
]
CONTRACT_INDEXES = {
    "_id_": ([("_id", 1)], False),
    "credential_id_1": ([("credential_id", 1)], True),
    "customer_id_1": ([("customer_id", 1)], False),
    "is_active_1": ([("is_active", 1)], False),
    "created_at_-1": ([("created_at", -1)], False),
    "customer_id_1_is_active_1": ([("customer_id", 1), ("is_active", 1)], False),
    "next_refresh_at_1": ([("next_refresh_at", 1)], False),
    # 065: the health filters' and the search box's (sparse)
    "refresh_failures_1": ([("refresh_failures", 1)], False),
    "token_expiry_1": ([("token_expiry", 1)], False),
    **{f"{name}_1": ([(name, 1)], False) for name in ("name", "channel_id", "channel_name", "facebook_page_id",
       "instagram_user_id", "instagram_username", "open_id", "organization_id", "page_id", "person_id", "profile_id",
       "user_id", "username")},
    # 066: the list pages' orders
    **{f"{name}_1__id_1": ([(name, 1), ("_id", 1)], False) for name in ("created_at", "name", "customer_id",
       "token_expiry", "last_used_at", "updated_at")},
}  # fmt: skip
SORT_INDEX_NAMES = [name for name in CONTRACT_INDEXES if name.endswith("__id_1")]


def migrator(database, directory=None, **kwargs):
    return Migrator(database, directory or settings.CRED_MIGRATIONS_DIR, echo=lambda line: None, **kwargs)


def user_collections(database):
    return sorted(n for n in database.list_collection_names() if not n.startswith("cred_migrations"))


def snapshot(database):
    return {
        name: (list(database[name].find()), database[name].index_information())
        for name in database.list_collection_names()
    }


def valid_document(**fields):
    return {
        "credential_id": "6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b10",
        "name": "raw",
        "platform": "youtube",
        "customer_id": "acme",
        **fields,
    }


def write_scripts(directory, scripts):
    """Write migration scripts {name: body of up(db)} into a fresh migrations directory."""
    directory.mkdir()
    for name, up_body in scripts.items():
        (directory / f"{name}.py").write_text(f"def up(db):\n    {up_body}\n\n\ndef down(db, force=False):\n    pass\n")
    return {"CRED_MIGRATIONS_DIR": str(directory)}


def test_empty_database_gets_seven_collections_with_contract_indexes(scratch_db):
    applied = migrator(scratch_db).apply()
    assert applied == MIGRATIONS
    assert user_collections(scratch_db) == COLLECTIONS
    for name in COLLECTIONS:
        indexes = scratch_db[name].index_information()
        found = {index: (info["key"], bool(info.get("unique"))) for index, info in indexes.items()}
        assert found == CONTRACT_INDEXES, name
    assert drift(scratch_db) == []


def test_validator_rejects_a_raw_insert_without_customer_id(scratch_db):
    migrator(scratch_db).apply()
    collection = scratch_db["youtube_credentials"]
    document = valid_document()
    del document["customer_id"]
    with pytest.raises(WriteError) as caught:
        collection.insert_one(document)
    assert caught.value.code == 121  # DocumentValidationFailure
    collection.insert_one(valid_document(upload_count=2))  # an int32 count is fine too
    with pytest.raises(WriteError):
        collection.insert_one(valid_document(credential_id="00000000-0000-4000-8000-000000000000", platform="tiktok"))


def test_second_run_applies_nothing_and_says_so(scratch_db, manage):
    first = manage("apply_cred_migrations", database=scratch_db.name)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == len(MIGRATIONS)
    assert all(line.startswith("applied ") for line in first.stdout.splitlines())
    before = snapshot(scratch_db)
    second = manage("apply_cred_migrations", database=scratch_db.name)
    assert second.returncode == 0
    assert second.stdout.strip() == f"No pending migrations: {len(MIGRATIONS)} applied, nothing to do."
    assert snapshot(scratch_db) == before


def test_dry_run_prints_commands_and_changes_nothing(scratch_db, manage):
    before = snapshot(scratch_db)
    result = manage("apply_cred_migrations", "--dry-run", database=scratch_db.name)
    assert result.returncode == 0, result.stderr
    assert '{"create": "reddit_credentials", "validator": {"$jsonSchema"' in result.stdout
    assert '"createIndexes": "youtube_credentials"' in result.stdout
    assert "061_create_reddit_credentials: 2 command(s)" in result.stdout
    # Planned against the collections the earlier scripts would have created.
    assert "062_require_encrypted_secrets: 7 command(s)" in result.stdout
    assert snapshot(scratch_db) == before == {}


def test_list_shows_applied_pending_and_changed(scratch_db, manage, tmp_path):
    directory = tmp_path / "migrations"
    env = write_scripts(directory, {n: f"db.command({{'create': 'c{n}'}})" for n in ("001_step", "002_step")})
    assert manage("apply_cred_migrations", "--target", "001", database=scratch_db.name, env=env).returncode == 0
    (directory / "001_step.py").write_text((directory / "001_step.py").read_text() + "# edited\n")
    listing = manage("apply_cred_migrations", "--list", database=scratch_db.name, env=env).stdout.splitlines()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert listing[0].startswith("001_step") and f"applied  {today}" in listing[0]
    assert listing[0].endswith("CHANGED since applied")
    assert listing[1].split() == ["002_step", "pending"]


def test_rollback_undoes_the_last_applied_and_refuses_to_drop_documents(scratch_db, manage):
    migrator(scratch_db).apply(target=61)
    scratch_db["reddit_credentials"].insert_one(valid_document(platform="reddit"))

    refused = manage("apply_cred_migrations", "--rollback", database=scratch_db.name)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "CommandError: rolling back 061_create_reddit_credentials failed: refusing to drop "
        "reddit_credentials: it holds 1 document(s); pass --force to drop it anyway"
    )
    assert "reddit_credentials" in scratch_db.list_collection_names()

    forced = manage("apply_cred_migrations", "--rollback", "2", "--force", database=scratch_db.name)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.splitlines() == [
        "rolled back 061_create_reddit_credentials",
        "rolled back 060_create_facebook_credentials",
    ]
    assert "reddit_credentials" not in scratch_db.list_collection_names()
    assert "facebook_credentials" not in scratch_db.list_collection_names()
    pending = [s.name for s in migrator(scratch_db).pending()]
    assert pending == MIGRATIONS[MIGRATIONS.index("060_create_facebook_credentials") :]


def test_018_adopts_a_populated_youtube_collection(scratch_db):
    legacy = [
        {
            "_id": ObjectId(),
            "credential_id": f"6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b{n:02d}",
            "name": f"legacy {n}",
            "customer_id": f"cust-{n}",
            "channel_id": f"UC{n}",
            "client_secret": "written before the console",
            "upload_count": n,
            "legacy_field": {"kept": True},
        }
        for n in range(25)
    ]
    legacy.append({"_id": ObjectId(), "credential_id": "6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9bff"})
    scratch_db["youtube_credentials"].insert_many(legacy)
    scratch_db["youtube_credentials"].create_index("customer_id")

    migrator(scratch_db).apply(target=18)

    collection = scratch_db["youtube_credentials"]
    assert list(collection.find().sort("_id", 1)) == sorted(legacy, key=lambda d: d["_id"])
    options = {c["name"]: c["options"] for c in scratch_db.list_collections()}["youtube_credentials"]
    assert options["validationLevel"] == "moderate"
    assert set(collection.index_information()) == set(CONTRACT_INDEXES)
    # A legacy document that breaks the new rules can still be updated...
    collection.update_one({"name": "legacy 3"}, {"$set": {"notes": "touched"}})
    assert collection.find_one({"name": "legacy 3"})["notes"] == "touched"
    # ...while a new one must follow them.
    with pytest.raises(WriteError):
        collection.insert_one({"credential_id": "6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b99", "name": "new"})


def test_concurrent_runs_apply_each_migration_once(scratch_db, manage):
    runs = [manage("apply_cred_migrations", database=scratch_db.name, background=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    applied_lines = [line for out, _ in outputs for line in out.splitlines() if line.startswith("applied ")]
    assert len(applied_lines) == len(MIGRATIONS)
    assert sorted(line.split()[1] for line in applied_lines) == MIGRATIONS
    assert scratch_db[CHANGELOG_COLLECTION].count_documents({"status": "applied"}) == len(MIGRATIONS)


SLOW_SCRIPT = """
import os, time

def up(db):
    db.markers.insert_one({"step": "002_slow", "phase": "started", "pid": os.getpid()})
    # Held inside the script until the test inserts {"_id": "go"}.
    while os.environ.get("HANG_IN_MIGRATION") and not db.markers.find_one({"_id": "go"}):
        time.sleep(0.1)
    db.markers.insert_one({"step": "002_slow", "phase": "finished", "pid": os.getpid()})

def down(db, force=False):
    pass
"""


def slow_migrations(directory):
    """001_first, 002_slow (which can be held inside) and 003_last, each leaving markers."""
    env = write_scripts(directory, {"001_first": "pass", "003_last": "db.markers.insert_one({'step': '003_last'})"})
    (directory / "002_slow.py").write_text(SLOW_SCRIPT)
    return {**env, "CRED_MIGRATION_LEASE_SECONDS": "2"}


def start_held_in_slow_script(manage, database, env):
    """A run in the background, returned once it is inside 002_slow."""
    env = {**env, "HANG_IN_MIGRATION": "1"}
    run = manage("apply_cred_migrations", database=database.name, background=True, env=env)
    deadline = time.monotonic() + 60
    while not database.markers.find_one({"step": "002_slow", "pid": run.pid}):
        assert time.monotonic() < deadline and run.poll() is None, run.stderr.read() if run.poll() is not None else ""
        time.sleep(0.1)
    return run


def test_a_killed_run_loses_its_lease_and_the_next_run_finishes(scratch_db, manage, tmp_path):
    env = slow_migrations(tmp_path / "migrations")
    doomed = start_held_in_slow_script(manage, scratch_db, env)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()

    holder = scratch_db[LOCK_COLLECTION].find_one({"_id": LOCK_NAME})["holder"]
    assert holder["pid"] == doomed.pid

    result = manage("apply_cred_migrations", "--lock-timeout", "30", database=scratch_db.name, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "applied 002_slow" or result.stdout.startswith("applied 002_slow")
    assert "applied 003_last" in result.stdout
    assert "applied 001_first" not in result.stdout
    assert scratch_db.markers.count_documents({"step": "003_last"}) == 1


def test_a_stalled_run_that_lost_its_lease_stops_and_records_nothing(scratch_db, manage, tmp_path):
    env = slow_migrations(tmp_path / "migrations")
    stalled = start_held_in_slow_script(manage, scratch_db, env)
    stalled.send_signal(signal.SIGSTOP)
    try:
        # Waits out the stalled run's 2 s lease, takes the lock and applies both.
        taker = manage("apply_cred_migrations", "--lock-timeout", "30", database=scratch_db.name, env=env)
        assert taker.returncode == 0, taker.stderr
        assert [line.split()[:2] for line in taker.stdout.splitlines()] == [
            ["applied", "002_slow"],
            ["applied", "003_last"],
        ]
        scratch_db.markers.insert_one({"_id": "go"})
    finally:
        stalled.send_signal(signal.SIGCONT)
    out, err = stalled.communicate(timeout=60)

    assert stalled.returncode == 1
    assert [line.split()[:2] for line in out.splitlines()] == [["applied", "001_first"]]  # before it stalled
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "CommandError: lost lock 'apply_cred_migrations' before insert_one on markers in 002_slow: its lease ran out "
        "while this run was held up and another run may have taken over, so this run stopped there"
    ]
    # Stopped at the script's first write after it resumed: the script's work was done once,
    # by the run that took over; the stalled run recorded nothing and ran no script after it.
    assert scratch_db.markers.count_documents({"step": "002_slow", "phase": "finished", "pid": stalled.pid}) == 0
    assert scratch_db.markers.count_documents({"step": "002_slow", "phase": "finished"}) == 1
    assert scratch_db.markers.count_documents({"step": "003_last"}) == 1
    changelog = {r["_id"]: r for r in scratch_db[CHANGELOG_COLLECTION].find()}
    assert sorted(changelog) == ["001_first", "002_slow", "003_last"]
    assert all(record["status"] == "applied" for record in changelog.values())


def test_a_lease_renewer_notices_another_holder(scratch_db):
    lock = LeaseLock(scratch_db[LOCK_COLLECTION], LOCK_NAME, lease_seconds=1.5)
    lock.acquire(timeout=1)
    try:
        lock.ensure_held(before="the first step")
        scratch_db[LOCK_COLLECTION].update_one({"_id": LOCK_NAME}, {"$set": {"holder.token": "another run"}})
        deadline = time.monotonic() + 5
        while not lock.lost:
            assert time.monotonic() < deadline, "the renewer never noticed"
            time.sleep(0.05)
        with pytest.raises(LeaseLost, match="before the second step"):
            lock.ensure_held(before="the second step")
    finally:
        lock.release()
    # Releasing a lost lock leaves the new holder's alone.
    assert scratch_db[LOCK_COLLECTION].find_one({"_id": LOCK_NAME})["holder"]["token"] == "another run"


def test_a_lease_that_ran_out_is_lost_and_free_to_take(scratch_db):
    collection = scratch_db[LOCK_COLLECTION]
    first, second = (LeaseLock(collection, LOCK_NAME, lease_seconds=60) for _ in range(2))
    assert first.try_acquire()  # held, with no renewer to keep it
    assert not second.try_acquire()
    # As if the first run had stalled past its lease: it ran out a second ago, by the server's clock.
    collection.update_one({"_id": LOCK_NAME}, [{"$set": {"expires_at": {"$subtract": ["$$NOW", 1000]}}}])
    with pytest.raises(LeaseLost):
        first.ensure_held(before="the next step")
    assert second.try_acquire()
    lease = collection.find_one({"_id": LOCK_NAME})
    assert lease["holder"]["token"] == second.token
    # Both from one reading of the server's clock.
    assert (lease["expires_at"] - lease["holder"]["since"]).total_seconds() == 60


def test_a_held_lock_times_out_naming_its_holder(scratch_db, manage):
    lock = LeaseLock(scratch_db[LOCK_COLLECTION], LOCK_NAME, lease_seconds=60)
    lock.acquire(timeout=1)
    try:
        result = manage("apply_cred_migrations", "--lock-timeout", "1", database=scratch_db.name)
    finally:
        lock.release()
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("CommandError: lock 'apply_cred_migrations' is held by ")
    assert f"(pid {os.getpid()})" in message and "since" in message
    assert user_collections(scratch_db) == []


def test_a_failing_migration_is_recorded_and_stops_the_run(scratch_db, manage, tmp_path):
    env = write_scripts(
        tmp_path / "migrations",
        {"001_ok": "pass", "002_bad": "db.command({'collMod': 'does_not_exist'})", "003_later": "pass"},
    )
    result = manage("apply_cred_migrations", database=scratch_db.name, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("CommandError: 002_bad failed: OperationFailure:")
    failed = scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "002_bad"})
    assert failed["status"] == "failed" and "does_not_exist" in failed["error"]
    listing = manage("apply_cred_migrations", "--list", database=scratch_db.name, env=env).stdout
    assert "002_bad" in listing and "failed" in listing
    assert listing.splitlines()[2].split() == ["003_later", "pending"]


def test_fake_records_without_running(scratch_db, manage):
    result = manage("apply_cred_migrations", "--fake", "018", database=scratch_db.name)
    assert result.returncode == 0, result.stderr
    assert "youtube_credentials" not in scratch_db.list_collection_names()
    assert scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "018_create_youtube_credentials"})["faked"]
    rest = manage("apply_cred_migrations", database=scratch_db.name)
    assert "018_create_youtube_credentials" not in rest.stdout
    assert len(rest.stdout.splitlines()) == len(MIGRATIONS) - 1


def test_target_applies_up_to_and_including(scratch_db, manage):
    result = manage("apply_cred_migrations", "--target", "057", database=scratch_db.name)
    assert result.returncode == 0, result.stderr
    assert user_collections(scratch_db) == [
        "instagram_credentials",
        "tiktok_credentials",
        "youtube_credentials",
    ]
    unknown = manage("apply_cred_migrations", "--target", "999", database=scratch_db.name)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "CommandError: no migration numbered 999 in " + str(settings.CRED_MIGRATIONS_DIR)


def one_line_error(result):
    """The one line a failed command printed, after checking it failed without a traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("seconds", ["-1", "nan", "inf"])
def test_lock_timeout_must_be_a_finite_number_not_below_zero(scratch_db, manage, seconds):
    result = manage("apply_cred_migrations", f"--lock-timeout={seconds}", database=scratch_db.name)
    assert one_line_error(result) == (
        f"CommandError: --lock-timeout takes a finite number of seconds, 0 or more, not {float(seconds)}"
    )
    assert scratch_db.list_collection_names() == []


@pytest.mark.parametrize("action", [["--rollback"], ["--fake", "018"], ["--list"], ["--repair"], ["--adopt-changelog"]])
def test_target_is_refused_beside_any_other_action(scratch_db, manage, action):
    result = manage("apply_cred_migrations", *action, "--target", "057", database=scratch_db.name)
    assert one_line_error(result) == f"CommandError: --target applies to a run or a --dry-run, not to {action[0]}"
    assert scratch_db.list_collection_names() == []


@pytest.mark.parametrize("action", [[], ["--dry-run"], ["--fake", "018"]])
def test_force_is_refused_without_rollback(scratch_db, manage, action):
    result = manage("apply_cred_migrations", *action, "--force", database=scratch_db.name)
    assert one_line_error(result) == "CommandError: --force applies only to --rollback"
    assert scratch_db.list_collection_names() == []


UNLOADABLE_SCRIPTS = {
    "syntax error": ("def up(db)\n    pass\n", "SyntaxError: expected ':' (002_broken.py, line 1)"),
    "raises on import": ("raise RuntimeError('needs a setting')\n", "RuntimeError: needs a setting"),
}


@pytest.mark.parametrize("problem", UNLOADABLE_SCRIPTS)
@pytest.mark.parametrize(
    "args, outcome", [(["--dry-run"], "failed in the dry run"), ([], "failed")], ids=["dry run", "run"]
)
def test_a_script_that_cannot_be_loaded_fails_in_one_line_naming_it(
    scratch_db, manage, tmp_path, args, outcome, problem
):
    directory = tmp_path / "migrations"
    env = write_scripts(directory, {"001_fine": "pass"})
    source, error = UNLOADABLE_SCRIPTS[problem]
    (directory / "002_broken.py").write_text(source)
    result = manage("apply_cred_migrations", *args, database=scratch_db.name, env=env)
    assert one_line_error(result) == f"CommandError: 002_broken {outcome}: cannot load 002_broken.py: {error}"


def test_an_exception_in_up_during_a_dry_run_is_one_line(scratch_db, manage, tmp_path):
    env = write_scripts(tmp_path / "migrations", {"001_raises": "raise ValueError('no platform named:\\n  tumblr')"})
    result = manage("apply_cred_migrations", "--dry-run", database=scratch_db.name, env=env)
    assert one_line_error(result) == (
        "CommandError: 001_raises failed in the dry run: ValueError: no platform named: tumblr"
    )


def test_unreachable_database_is_one_line_without_the_password(manage):
    result = manage(
        "apply_cred_migrations",
        database="anything",
        env={"MONGODB_URI": "mongodb://operator:hunter2@127.0.0.1:9/", "MONGODB_TIMEOUT_MS": "500"},
    )
    assert result.returncode == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("CommandError: cannot reach MongoDB at 127.0.0.1:9")


def test_drift_check_names_what_differs(scratch_db, manage):
    migrator(scratch_db).apply()
    scratch_db["tiktok_credentials"].drop_index("is_active_1")
    scratch_db["tiktok_credentials"].create_index([("is_active", -1)], name="is_active_1")
    scratch_db["reddit_credentials"].drop_index("customer_id_1")
    scratch_db["linkedin_credentials"].drop()
    scratch_db.command({"collMod": "facebook_credentials", "validator": {"$jsonSchema": {"properties": {}}}})

    result = manage("check", database=scratch_db.name)
    assert result.returncode == 0  # warnings: the console still starts
    output = result.stderr
    assert "(credentials.W001) collection linkedin_credentials is missing" in output
    assert "(credentials.W002) reddit_credentials: index customer_id_1 is missing" in output
    assert "(credentials.W003) tiktok_credentials: index is_active_1 differs" in output
    assert "(credentials.W004) facebook_credentials: validator lacks model field page_access_token" in output
    assert "youtube_credentials" not in output


def test_064_schedules_credentials_holding_tokens_and_rolls_back(scratch_db):
    from datetime import timedelta

    from django.utils import timezone

    from credentials.secrets import SecretContext, encrypt_secret

    runner = migrator(scratch_db)
    runner.apply(target=63)
    expiry = (timezone.now() + timedelta(minutes=30)).replace(microsecond=0)
    credential_id = "0b7e1a52-3c2d-4d55-9c0e-5a1b2c3d4e5f"

    def sealed(field):
        return encrypt_secret(f"{field}-value", SecretContext("reddit_credentials", credential_id, field))

    scratch_db["reddit_credentials"].insert_many(
        [
            {"credential_id": credential_id, "name": "renewable", "platform": "reddit", "customer_id": "acme",
             "access_token": sealed("access_token"), "refresh_token": sealed("refresh_token"), "token_expiry": expiry},
            {"credential_id": "2b7e1a52-3c2d-4d55-9c0e-5a1b2c3d4e5f", "name": "tiktok-like", "platform": "reddit",
             "customer_id": "acme", "access_token": sealed("access_token"), "token_expiry": expiry},
            {"credential_id": "1b7e1a52-3c2d-4d55-9c0e-5a1b2c3d4e5f", "name": "no token", "platform": "reddit",
             "customer_id": "acme"},
        ]
    )  # fmt: skip
    assert runner.apply(target=64) == ["064_refresh_queue_and_health"]
    renewable = scratch_db["reddit_credentials"].find_one({"name": "renewable"})
    assert renewable["next_refresh_at"] == (expiry - timedelta(minutes=10)).replace(tzinfo=None)  # pymongo: naive UTC
    assert "next_refresh_at" not in scratch_db["reddit_credentials"].find_one({"name": "no token"})
    assert "next_refresh_at_1" in scratch_db["reddit_credentials"].index_information()
    properties = scratch_db.command("listCollections", filter={"name": "reddit_credentials"})["cursor"]["firstBatch"][0]
    assert "refresh_failures" in properties["options"]["validator"]["$jsonSchema"]["properties"]

    assert runner.rollback() == ["064_refresh_queue_and_health"]
    assert "next_refresh_at" not in scratch_db["reddit_credentials"].find_one({"name": "renewable"})
    assert "next_refresh_at_1" not in scratch_db["reddit_credentials"].index_information()


def test_065_indexes_the_list_filters_and_search_and_touches_no_document(scratch_db):
    runner = migrator(scratch_db)
    runner.apply(target=64)
    collection = scratch_db["twitter_credentials"]
    for name in ("token_expiry_1", "name_1", "username_1", "user_id_1"):  # as collections made before 065 are
        collection.drop_index(name)
    collection.insert_one(valid_document(platform="twitter", username="acme_news", user_id="1234"))
    before = list(collection.find())

    assert runner.apply(target=65) == ["065_list_page_indexes"]
    indexes = collection.index_information()
    assert {"token_expiry_1", "name_1", "username_1", "user_id_1", "channel_id_1"} <= set(indexes)
    assert indexes["username_1"]["sparse"] is True
    assert list(collection.find()) == before
    plan = collection.find({"username": {"$gte": "acme", "$lt": "acmf"}}).explain()["queryPlanner"]["winningPlan"]
    assert plan["inputStage"]["indexName"] == "username_1"

    assert runner.rollback() == ["065_list_page_indexes"]
    assert not {"token_expiry_1", "refresh_failures_1", "name_1", "username_1"} & set(collection.index_information())
    assert list(collection.find()) == before


def test_066_indexes_the_list_orders_so_a_sorted_page_reads_the_page(scratch_db):
    runner = migrator(scratch_db)
    runner.apply(target=65)
    collection = scratch_db["youtube_credentials"]
    for name in SORT_INDEX_NAMES:  # as collections made before 066 are
        collection.drop_index(name)
    collection.insert_many(
        valid_document(platform="youtube", name=f"channel {n:03d}", credential_id=str(uuid.uuid4()),
                       created_at=datetime(2026, 1, 1) + timedelta(minutes=n))
        for n in range(200)
    )  # fmt: skip
    before = list(collection.find())
    newest_first = [("created_at", -1), ("_id", -1)]  # the list pages' order, as Django asks for it
    assert collection.find().sort(newest_first).limit(50).explain()["executionStats"]["totalDocsExamined"] == 200

    assert runner.apply() == ["066_list_order_indexes"]
    assert set(SORT_INDEX_NAMES) <= set(collection.index_information())
    assert collection.find().sort(newest_first).limit(50).explain()["executionStats"]["totalDocsExamined"] == 50
    assert list(collection.find()) == before

    assert runner.rollback() == ["066_list_order_indexes"]
    assert not {"created_at_1__id_1", "updated_at_1__id_1"} & set(collection.index_information())
    assert list(collection.find()) == before


@pytest.mark.parametrize(
    "first, second",
    [(["--rollback"], ["--repair"]), (["--fake", "018"], ["--repair"]), (["--list"], ["--repair"]),
     (["--dry-run"], ["--repair"]), (["--fake", "018"], ["--adopt-changelog", "changelog"])],
)  # fmt: skip
def test_two_actions_are_refused_in_one_line(scratch_db, manage, first, second):
    result = manage("apply_cred_migrations", *first, *second, database=scratch_db.name)
    assert one_line_error(result) == f"CommandError: {first[0]} and {second[0]} cannot be combined: choose one"
    assert scratch_db.list_collection_names() == []


def collection_options(database, name):
    return {c["name"]: c["options"] for c in database.list_collections()}[name]


def test_repair_recreates_drifted_indexes_and_validators_and_touches_no_document(scratch_db, manage):
    migrator(scratch_db).apply()
    scratch_db["youtube_credentials"].insert_many(
        [valid_document(), valid_document(credential_id="00000000-0000-4000-8000-000000000001", name="second")]
    )
    scratch_db["tiktok_credentials"].insert_one(
        valid_document(platform="tiktok", access_token="plain text from before 062"), bypass_document_validation=True
    )
    scratch_db["tiktok_credentials"].drop_index("is_active_1")
    scratch_db["tiktok_credentials"].create_index([("is_active", -1)], name="is_active_1")
    scratch_db["reddit_credentials"].drop_index("customer_id_1")
    scratch_db["reddit_credentials"].drop_index("next_refresh_at_1")
    scratch_db["linkedin_credentials"].drop()
    scratch_db.command({"collMod": "facebook_credentials", "validator": {"$jsonSchema": {"properties": {}}}})
    scratch_db.command({"collMod": "youtube_credentials", "validationLevel": "off"})
    documents = {
        name: list(scratch_db[name].find().sort("_id", 1)) for name in COLLECTIONS if name != "linkedin_credentials"
    }
    assert drift(scratch_db)

    result = manage("apply_cred_migrations", "--repair", database=scratch_db.name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "facebook_credentials: set the validator generated from the model "
        "(it lacked 36 of the model's fields; it differed in bsonType, required, title)",
        "instagram_credentials: nothing drifted",
        "linkedin_credentials: created the collection with its validator and indexes",
        "reddit_credentials: created indexes customer_id_1, next_refresh_at_1",
        "tiktok_credentials: dropped index is_active_1, which differed; created index is_active_1",
        "twitter_credentials: nothing drifted",
        "youtube_credentials: set the validator generated from the model (validationLevel is off)",
        "Repaired 5 collection(s); no document was touched.",
    ]
    assert result.stderr == ""

    assert drift(scratch_db) == []
    for name in COLLECTIONS:
        found = {
            index: (info["key"], bool(info.get("unique")))
            for index, info in scratch_db[name].index_information().items()
        }
        assert found == CONTRACT_INDEXES, name
    assert collection_options(scratch_db, "youtube_credentials")["validationLevel"] == "moderate"
    assert documents == {name: list(scratch_db[name].find().sort("_id", 1)) for name in documents}
    with pytest.raises(WriteError):  # the facebook validator is enforced again
        scratch_db["facebook_credentials"].insert_one({"name": "no credential_id"})

    again = manage("apply_cred_migrations", "--repair", database=scratch_db.name)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"{p.collection}: nothing drifted" for p in REGISTRY.values()] + [
        "Nothing drifted: every collection has the contract's indexes and validator."
    ]


def test_repair_is_refused_while_migrations_are_pending(scratch_db, manage):
    migrator(scratch_db).apply(target=61)
    scratch_db["reddit_credentials"].drop_index("customer_id_1")
    result = manage("apply_cred_migrations", "--repair", database=scratch_db.name)
    assert one_line_error(result) == (
        "CommandError: 5 migration(s) pending, from 062_require_encrypted_secrets: apply them first "
        "(apply_cred_migrations); --repair mends what drifted after they ran"
    )
    assert "customer_id_1" not in scratch_db["reddit_credentials"].index_information()


def test_repair_waits_for_the_migration_lock(scratch_db, manage):
    migrator(scratch_db).apply()
    scratch_db["reddit_credentials"].drop_index("customer_id_1")
    lock = LeaseLock(scratch_db[LOCK_COLLECTION], LOCK_NAME, lease_seconds=60)
    lock.acquire(timeout=1)
    try:
        result = manage("apply_cred_migrations", "--repair", "--lock-timeout", "0", database=scratch_db.name)
    finally:
        lock.release()
    assert one_line_error(result).startswith("CommandError: lock 'apply_cred_migrations' is held by ")
    assert "customer_id_1" not in scratch_db["reddit_credentials"].index_information()


def test_fake_of_an_applied_migration_is_refused_and_keeps_its_record(scratch_db, manage):
    migrator(scratch_db).apply(target=18)
    record = scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "018_create_youtube_credentials"})
    result = manage("apply_cred_migrations", "--fake", "018", database=scratch_db.name)
    applied_at = record["applied_at"].strftime("%Y-%m-%d %H:%M:%S UTC")
    assert one_line_error(result) == (
        f"CommandError: 018_create_youtube_credentials is applied already ({applied_at}); --fake records only "
        "a migration not applied, and its record stays as it is"
    )
    assert scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "018_create_youtube_credentials"}) == record


def migrate_mongo_ran(database, collection, *file_names):
    """migrate-mongo's record of having run `file_names`, a day apart from 1 March 2021."""
    entries = [{"fileName": name, "appliedAt": datetime(2021, 3, 1 + n, 9, 30)} for n, name in enumerate(file_names)]
    database[collection].insert_many(entries)
    return {entry["fileName"]: entry["appliedAt"] for entry in entries}


def test_list_shows_what_migrate_mongo_ran_and_adopt_records_it(scratch_db, manage):
    migrate_mongo_ran(
        scratch_db,
        "changelog",
        "018_create_youtube_credentials.js",
        "056_create_instagram_credentials.js",
        "001_init.js",
    )
    scratch_db["changelog"].insert_one({"fileName": "057_create_tiktok_credentials.js"})  # no appliedAt

    listing = manage("apply_cred_migrations", "--list", database=scratch_db.name)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["018_create_youtube_credentials", "pending", "migrate-mongo", "ran", "it",
                                "2021-03-01", "09:30:00", "UTC"]  # fmt: skip
    assert lines[1].endswith("pending  migrate-mongo ran it 2021-03-02 09:30:00 UTC")
    assert lines[2].split() == ["057_create_tiktok_credentials", "pending"]
    assert lines[len(MIGRATIONS) :] == [
        "changelog: 001_init.js ignored: no migration here has that number and name",
        "changelog: 057_create_tiktok_credentials.js ignored: it has no appliedAt date",
        "migrate-mongo's changelog says it ran 2 migration(s) not recorded here: "
        "`apply_cred_migrations --adopt-changelog changelog` records them as applied.",
    ]

    adopt = manage("apply_cred_migrations", "--adopt-changelog", database=scratch_db.name)
    assert adopt.returncode == 0, adopt.stderr
    assert adopt.stdout.splitlines() == [
        "recorded 018_create_youtube_credentials as applied 2021-03-01 09:30:00 UTC, as changelog says",
        "recorded 056_create_instagram_credentials as applied 2021-03-02 09:30:00 UTC, as changelog says",
        "ignored 001_init.js: no migration here has that number and name",
        "ignored 057_create_tiktok_credentials.js: it has no appliedAt date",
        "Adopted 2 migration(s) from changelog; none of them was run.",
    ]
    assert user_collections(scratch_db) == ["changelog"]  # nothing was run
    record = scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "018_create_youtube_credentials"})
    assert record["status"] == "applied" and record["applied_at"] == datetime(2021, 3, 1, 9, 30)
    assert [s.name for s in migrator(scratch_db).pending()] == MIGRATIONS[2:]

    listed = manage("apply_cred_migrations", "--list", database=scratch_db.name).stdout.splitlines()
    assert listed[0].endswith(
        "applied  2021-03-01 09:30:00 UTC  (adopted from changelog)  migrate-mongo ran it 2021-03-01 09:30:00 UTC"
    )
    assert not any(line.startswith("migrate-mongo's changelog says") for line in listed)

    again = manage("apply_cred_migrations", "--adopt-changelog", "changelog", database=scratch_db.name)
    assert again.stdout.splitlines()[:2] == [
        "skipped 018_create_youtube_credentials: recorded here already as applied",
        "skipped 056_create_instagram_credentials: recorded here already as applied",
    ]
    assert again.stdout.splitlines()[-1] == "Adopted 0 migration(s) from changelog; none of them was run."
    assert scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "018_create_youtube_credentials"}) == record


def test_adopt_reads_a_changelog_of_another_name_even_one_shared_with_ours(scratch_db, manage):
    migrator(scratch_db).apply(target=18)
    migrate_mongo_ran(scratch_db, CHANGELOG_COLLECTION, "056_create_instagram_credentials.js")

    listing = manage("apply_cred_migrations", "--list", CHANGELOG_COLLECTION, database=scratch_db.name)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert len(lines) == len(MIGRATIONS) + 1  # its entry is no migration of ours
    assert lines[1].endswith("pending  migrate-mongo ran it 2021-03-01 09:30:00 UTC")

    adopt = manage("apply_cred_migrations", "--adopt-changelog", CHANGELOG_COLLECTION, database=scratch_db.name)
    assert adopt.returncode == 0, adopt.stderr
    assert [s.name for s in migrator(scratch_db).statuses() if s.applied] == MIGRATIONS[:2]


@pytest.mark.parametrize(
    "args, error",
    [
        (["--adopt-changelog"], "the database {db} has no collection changelog: name the collection migrate-mongo's "
         "configuration names (changelogCollectionName)"),
        (["--list", "mm_log"], "the database {db} has no collection mm_log: name the collection migrate-mongo's "
         "configuration names (changelogCollectionName)"),
        (["--adopt-changelog", CHANGELOG_COLLECTION], f"{CHANGELOG_COLLECTION} holds no entries of migrate-mongo's "
         "({{fileName, appliedAt}})"),
    ],
)  # fmt: skip
def test_adopt_of_a_missing_or_foreign_changelog_is_one_line(scratch_db, manage, args, error):
    migrator(scratch_db).apply(target=18)
    result = manage("apply_cred_migrations", *args, database=scratch_db.name)
    assert one_line_error(result) == "CommandError: " + error.format(db=scratch_db.name)
    assert [s.name for s in migrator(scratch_db).statuses() if s.applied] == MIGRATIONS[:1]


def test_list_without_a_migrate_mongo_changelog_says_nothing_of_it(scratch_db, manage):
    scratch_db["changelog"].insert_one({"note": "another application's changelog"})
    listing = manage("apply_cred_migrations", "--list", database=scratch_db.name)
    assert listing.returncode == 0, listing.stderr
    assert [line.split() for line in listing.stdout.splitlines()] == [[name, "pending"] for name in MIGRATIONS]


def test_repair_refuses_a_unique_index_that_documents_would_break_and_drops_nothing(scratch_db, manage):
    migrator(scratch_db).apply()
    collection = scratch_db["youtube_credentials"]
    collection.drop_index("credential_id_1")
    collection.create_index("credential_id", name="credential_id_1")  # no longer unique
    collection.insert_many([valid_document(name="one"), valid_document(name="its twin")])
    before = list(collection.find())

    result = manage("apply_cred_migrations", "--repair", database=scratch_db.name)
    assert one_line_error(result) == (
        "CommandError: cannot repair youtube_credentials: index credential_id_1 must be unique, but 2 documents "
        "share credential_id '6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b10': put them right, then repair again"
    )
    assert "credential_id_1" in collection.index_information()  # left as it was, not dropped
    assert list(collection.find()) == before


def test_repair_counts_a_missing_value_as_the_null_a_unique_index_sees(scratch_db, manage):
    migrator(scratch_db).apply()
    collection = scratch_db["youtube_credentials"]
    collection.drop_index("credential_id_1")
    collection.create_index("credential_id", name="credential_id_1")  # no longer unique
    without = {key: value for key, value in valid_document(name="no id").items() if key != "credential_id"}
    # Legacy documents from before the validator (the contract wants an id on every one).
    collection.insert_many(
        [valid_document(name="null id", credential_id=None), without], bypass_document_validation=True
    )

    result = manage("apply_cred_migrations", "--repair", database=scratch_db.name)
    assert "2 documents share credential_id None" in one_line_error(result)
    assert "credential_id_1" in collection.index_information(), "not dropped"


def test_adopt_never_marks_our_own_migrations_or_a_failed_run_applied(scratch_db, manage):
    """Only what the Node tool had (up to 061) is adopted, and never over a record of ours: a
    failed run stays failed for the operator; 064's backfill is never skipped by a crafted entry."""
    migrator(scratch_db).apply(target=18)
    scratch_db[CHANGELOG_COLLECTION].insert_one({"_id": "056_create_instagram_credentials", "status": "failed"})
    migrate_mongo_ran(
        scratch_db,
        "changelog",
        "056_create_instagram_credentials.js",
        "064_refresh_queue_and_health.js",
        "057_create_tiktok_credentials\x1b[2K.js",
    )
    adopt = manage("apply_cred_migrations", "--adopt-changelog", database=scratch_db.name)
    assert adopt.returncode == 0, adopt.stderr
    lines = adopt.stdout.splitlines()
    assert "skipped 056_create_instagram_credentials: recorded here already as failed" in lines
    assert "ignored 064_refresh_queue_and_health.js: migrate-mongo never had it: ours from 062 on" in lines
    assert "ignored '057_create_tiktok_credentials\\x1b[2K.js': no migration here has that number and name" in lines
    assert "\x1b" not in adopt.stdout, "a control character never reaches the terminal"
    assert scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "056_create_instagram_credentials"})["status"] == "failed"
    assert scratch_db[CHANGELOG_COLLECTION].find_one({"_id": "064_refresh_queue_and_health"}) is None
