"""The embedded database behaves as MongoDB does where this project relies on it.

Each behaviour is asserted as MongoDB has it, so these pass against a real server too.
"""

import signal
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from pymongo import MongoClient

from credsite import devdb

PROJECT_DIR = Path(__file__).resolve().parent.parent


def test_nested_project_spec_is_read_as_field_paths(mongo_db):
    mongo_db.nested.insert_one({"_id": 1, "x": {"y": 5, "z": 6}, "n": 3})
    projected = mongo_db.nested.aggregate([{"$project": {"x": {"y": 1}}}]).next()
    added = mongo_db.nested.aggregate([{"$addFields": {"x": {"w": "$n"}}}]).next()
    computed = mongo_db.nested.aggregate([{"$project": {"o": {"p": "$n", "q": {"$add": ["$n", 1]}}}}]).next()
    assert projected == {"_id": 1, "x": {"y": 5}}
    assert added["x"] == {"y": 5, "z": 6, "w": 3}
    assert computed == {"_id": 1, "o": {"p": 3, "q": 4}}
    mongo_db.nested.drop()


def test_flatten_leaves_expressions_alone():
    spec = {"a": {"b": 1, "c": {"d": "$x"}}, "e": {"$add": [1, 2]}, "f": {}}
    assert devdb.flatten_field_spec(spec) == {"a.b": 1, "a.c.d": "$x", "e": {"$add": [1, 2]}, "f": {}}


def test_permission_through_a_group(db):
    permission = Permission.objects.get(codename="change_youtubecredential")
    group = Group.objects.create(name="editors")
    group.permissions.add(permission)
    member = User.objects.create_user("member", password="x")
    member.groups.add(group)
    outsider = User.objects.create_user("outsider", password="x")

    member = User.objects.get(pk=member.pk)  # fresh: no permission cache
    assert member.has_perm("credentials.change_youtubecredential")
    assert not member.has_perm("credentials.delete_youtubecredential")
    assert not User.objects.get(pk=outsider.pk).has_perm("credentials.change_youtubecredential")


def test_select_related_ordered_by_a_related_field(db):
    zed = User.objects.create_user("zed")
    amy = User.objects.create_user("amy")
    for user in (zed, amy, zed):
        LogEntry.objects.create(user=user, action_flag=1, object_repr=f"by {user.username}")
    entries = list(LogEntry.objects.select_related("user").order_by("user__username", "pk"))
    assert [e.user.username for e in entries] == ["amy", "zed", "zed"]
    assert [e.object_repr for e in entries] == ["by amy", "by zed", "by zed"]


@pytest.fixture
def past_and_future(scratch_db):
    """A collection with one date an hour ago and one an hour ahead."""
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    scratch_db.dated.insert_many([{"_id": "past", "at": now - hour}, {"_id": "future", "at": now + hour}])
    return scratch_db.dated


def test_now_compares_with_stored_dates_in_an_expr_filter(past_and_future):
    assert [d["_id"] for d in past_and_future.find({"$expr": {"$lt": ["$at", "$$NOW"]}})] == ["past"]
    assert [d["_id"] for d in past_and_future.find({"$expr": {"$gte": ["$at", "$$NOW"]}})] == ["future"]


def test_now_in_cond_takes_the_branch_for_each_date(past_and_future):
    rows = past_and_future.aggregate([{"$project": {"when": {"$cond": [{"$lt": ["$at", "$$NOW"]}, "gone", "ahead"]}}}])
    assert {row["_id"]: row["when"] for row in rows} == {"past": "gone", "future": "ahead"}


def test_now_minus_a_stored_date_is_milliseconds(past_and_future):
    rows = past_and_future.aggregate([{"$project": {"ms": {"$subtract": ["$$NOW", "$at"]}}}])
    hour_ms = 3_600_000
    assert {row["_id"]: round(row["ms"] / hour_ms) for row in rows} == {"past": 1, "future": -1}


def test_now_in_an_update_pipeline(past_and_future):
    # As a lease is taken: only where the stored date has passed, renewed from the server's now.
    past_and_future.update_many(
        {"$expr": {"$lt": ["$at", "$$NOW"]}},
        [
            {
                "$set": {
                    "was": {"$cond": [{"$lt": ["$at", "$$NOW"]}, "expired", "live"]},
                    "at": {"$add": ["$$NOW", 60_000]},
                }
            }
        ],
    )
    past, future = past_and_future.find_one({"_id": "past"}), past_and_future.find_one({"_id": "future"})
    assert past["was"] == "expired"
    assert timedelta(seconds=50) < past["at"] - datetime.now(UTC).replace(tzinfo=None) <= timedelta(seconds=60)
    assert "was" not in future


def test_refuses_an_unverified_secantus_version(monkeypatch):
    monkeypatch.setattr(devdb, "installed_secantus_version", lambda: "0.6.0b17")
    with pytest.raises(devdb.DevDatabaseError, match="only against 0.7.0b3"):
        devdb.start_server()


def test_supported_version_is_the_pinned_one():
    pins = (PROJECT_DIR / "requirements-dev.txt").read_text()
    assert f"secantusdb=={devdb.SUPPORTED_SECANTUS_VERSION}" in pins


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_devdb(manage, *args):
    process = manage("devdb", *args, database="unused", background=True)
    line = process.stdout.readline()
    assert "listening on mongodb://127.0.0.1:" in line, line + process.stderr.read()
    return process


def stop(process):
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "stopped" in out


def test_devdb_keeps_data_across_restarts(manage, tmp_path):
    port = free_port()
    data_dir = tmp_path / "devdb"
    process = start_devdb(manage, "--port", str(port), "--data-dir", str(data_dir))
    MongoClient(port=port).notes.kept.insert_one({"_id": "durable"})
    stop(process)

    process = start_devdb(manage, "--port", str(port), "--data-dir", str(data_dir))
    assert MongoClient(port=port).notes.kept.find_one({"_id": "durable"}) == {"_id": "durable"}
    stop(process)


def test_devdb_reports_a_busy_port_in_one_line(manage):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        result = manage("devdb", "--memory", "--port", str(sock.getsockname()[1]), database="unused")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("CommandError: cannot start the embedded database")
    assert len(result.stderr.strip().splitlines()) == 1


# The planner (credsite.devdb_planner): index reads where MongoDB plans them, the same results ------------


def examined(collection, command):
    """(documents examined, winning plan's input stage name, index name) of a find or aggregate."""
    explained = collection.database.command("explain", {command[0]: collection.name, **command[1]})
    plan = explained["queryPlanner"]["winningPlan"]
    scan = plan.get("inputStage", plan)
    return explained["executionStats"]["totalDocsExamined"], scan["stage"], scan.get("indexName")


def natural(collection, query, **options):
    """What a collection scan answers (a `$natural` hint is never planned on an index): the reference."""
    return list(collection.find(query, **options).hint([("$natural", 1)]))


def same_documents(found, reference):
    """The same documents, in whatever order (without a sort, MongoDB promises none)."""
    return sorted(found, key=lambda d: d["_id"]) == sorted(reference, key=lambda d: d["_id"])


@pytest.fixture
def credentials_like(scratch_db):
    """3,000 documents shaped as the console's: 60 tenants, dates with ties, half due, a few leased."""
    base = datetime(2026, 1, 1)
    scratch_db.docs.insert_many(
        {
            "tenant": f"t{n % 60:02d}",
            "name": f"{'alpha' if n % 3 else 'beta'}-{n:04d}",
            "at": base + timedelta(minutes=n // 2),  # two documents at each minute
            "due": base + timedelta(hours=n % 100),
            "holder": "worker" if n % 50 == 5 else None,
            "active": n % 2 == 0,
        }
        for n in range(3000)
    )
    for key in ("tenant", "name", "due", "active"):
        scratch_db.docs.create_index(key)
    scratch_db.docs.create_index([("at", -1)])
    scratch_db.docs.create_index([("at", -1), ("_id", -1)])  # the order of the console's lists, as 066 indexes it
    return scratch_db.docs


def test_conditions_nested_in_and_are_planned_on_an_index(credentials_like):
    query = {"$and": [{"tenant": "t07"}, {"$and": [{"at": {"$exists": True}}, {"at": {"$ne": None}}]}]}
    assert examined(credentials_like, ("find", {"filter": query})) == (50, "IXSCAN", "tenant_1")
    assert same_documents(list(credentials_like.find(query)), natural(credentials_like, query))


def test_or_and_expr_conjuncts_are_applied_to_what_the_index_finds(credentials_like):
    # The refresher's claim: due by now, and not leased or its lease run out.
    query = {
        "due": {"$lte": datetime(2026, 1, 1, 9)},
        "$or": [{"holder": None}, {"$expr": {"$lt": ["$due", datetime(2026, 1, 1, 3)]}}],
    }
    due = credentials_like.count_documents({"due": {"$lte": datetime(2026, 1, 1, 9)}})
    assert examined(credentials_like, ("find", {"filter": query})) == (due, "IXSCAN", "due_1")
    found = list(credentials_like.find(query))
    assert same_documents(found, natural(credentials_like, query)) and 0 < len(found) < due


def test_an_or_whose_every_branch_is_indexed_reads_those_branches(credentials_like):
    query = {"$or": [{"tenant": "t01"}, {"name": {"$regex": "^beta-000"}}]}  # a case-sensitive prefix
    found = natural(credentials_like, query)
    assert examined(credentials_like, ("find", {"filter": query}))[:2] == (len(found), "IXSCAN")
    assert same_documents(list(credentials_like.find(query)), found)


def test_thousands_of_ids_in_an_update_use_the_id_index(credentials_like):
    ids = [document["_id"] for document in credentials_like.find({"active": True}, {"_id": 1})]
    query = {"$and": [{"_id": {"$in": ids}}, {"holder": None}]}
    assert examined(credentials_like, ("find", {"filter": query})) == (1500, "IXSCAN", "_id_")
    expected = {document["_id"] for document in natural(credentials_like, query)}
    assert credentials_like.update_many(query, {"$set": {"seen": True}}).modified_count == len(expected)
    assert {document["_id"] for document in credentials_like.find({"seen": True})} == expected


def test_in_compares_numbers_across_types_and_null_as_before(scratch_db):
    scratch_db.mixed.insert_many([{"_id": 1, "v": 5.0}, {"_id": 2, "v": "5"}, {"_id": 3}, {"_id": 4, "v": ["x", 7]}])
    listed = [f"s{n}" for n in range(20)] + [5, None, "x"]
    assert [d["_id"] for d in scratch_db.mixed.find({"v": {"$in": listed}})] == [1, 3, 4]
    assert [d["_id"] for d in scratch_db.mixed.find({"v": {"$nin": listed}})] == [2]


def test_a_sorted_page_reads_the_page_not_the_collection(credentials_like):
    order = [("at", -1), ("_id", -1)]
    reference = natural(credentials_like, {}, sort=order)
    for skip in (0, 25):
        assert list(credentials_like.find().sort(order).skip(skip).limit(25)) == reference[skip : skip + 25]
    # As Django asks for a list page: fields copied onto themselves, then sort and limit.
    page = [{"$addFields": {"at": "$at", "_id": "$_id"}}, {"$sort": dict(order)}, {"$limit": 25}]
    assert list(credentials_like.aggregate(page)) == reference[:25]
    read, _stage, _index = examined(credentials_like, ("aggregate", {"pipeline": page, "cursor": {}}))
    assert read == 25
    filtered = [{"$match": {"holder": None, "$or": [{"active": True}, {"active": False}]}}, *page]
    assert list(credentials_like.aggregate(filtered)) == [d for d in reference if d["holder"] is None][:25]
    oldest_first = [("at", 1), ("_id", 1)]  # the index walked backwards
    expected = natural(credentials_like, {"active": False}, sort=oldest_first)[10:20]
    assert list(credentials_like.find({"active": False}).sort(oldest_first).skip(10).limit(10)) == expected
    backwards = {"filter": {"active": False}, "sort": dict(oldest_first), "skip": 10, "limit": 10}
    assert examined(credentials_like, ("find", backwards))[0] <= 41  # not the 1,500 inactive ones


def test_a_sort_no_index_provides_reads_every_match_as_mongodbs_blocking_sort(credentials_like):
    # An index on the first field does not give the order of a sort with a tiebreak after it, nor one of mixed
    # directions that are not the index's reversed: MongoDB sorts every match in memory.
    for order in ([("due", 1), ("_id", -1)], [("at", -1), ("_id", 1)]):
        page = list(credentials_like.find().sort(order).limit(10))
        assert page == natural(credentials_like, {}, sort=order)[:10]
        assert examined(credentials_like, ("find", {"sort": dict(order), "limit": 10}))[0] == 3000, order
    assert examined(credentials_like, ("find", {"sort": {"due": -1}, "limit": 10}))[0] == 10  # due_1, backwards


def test_an_unsorted_bounded_count_stops_at_its_bound(credentials_like):
    count = [{"$match": {"name": {"$regex": "alpha"}}}, {"$project": {"_id": 1}}, {"$limit": 101}, {"$count": "n"}]
    assert list(credentials_like.aggregate(count)) == [{"n": 101}]
    assert examined(credentials_like, ("aggregate", {"pipeline": count, "cursor": {}}))[0] <= 160


def test_the_estimated_count_follows_inserts_deletes_and_drops(scratch_db):
    counted = scratch_db.counted
    counted.insert_many([{"n": n} for n in range(10)])
    assert counted.estimated_document_count() == 10
    counted.insert_one({"n": 10})
    counted.update_many({}, {"$set": {"seen": True}})
    assert counted.estimated_document_count() == 11
    counted.delete_many({"n": {"$lt": 3}})
    assert counted.estimated_document_count() == 8
    counted.drop()
    assert counted.estimated_document_count() == 0


def test_explaining_a_pipeline_that_writes_writes_nothing(credentials_like):
    pipeline = [{"$match": {"tenant": "t01"}}, {"$out": "copied"}]
    credentials_like.database.command("explain", {"aggregate": "docs", "pipeline": pipeline, "cursor": {}})
    assert "copied" not in credentials_like.database.list_collection_names()
