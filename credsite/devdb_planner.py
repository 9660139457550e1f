"""The embedded database's query planner, made to read what MongoDB's reads (dev and test only).

SecantusDB 0.7.0b3 answers correctly but reads far more than MongoDB does, so a page that
costs a few index keys on MongoDB cost the whole collection on it:

* A filter with a top-level ``$``-key (``$and``, as Django writes every combined filter;
  ``$or``; ``$expr``) is never planned on an index. MongoDB plans on the indexable
  conjuncts and applies the rest to what the index finds; so does ``planning_filter``.
* ``$in`` / ``$nin`` compare each document with every listed value in turn, so an update
  of thousands of credentials by ``_id: {$in: [...]}`` cost thousands times thousands of
  comparisons. Strings and ObjectIds are looked up in a set instead.
* ``find`` and ``aggregate`` decode every matching document before they sort and take a
  page. A sorted page over an index that provides the whole sort (its fields, in order, the
  start of the index's, every direction the index's or every one reversed), as MongoDB
  requires, now walks that index and stops after the page; any other sort reads every match,
  as MongoDB's blocking sort does. An unsorted page with no usable index stops reading after
  the page. ``aggregate`` hands its leading
  ``$sort`` / ``$skip`` / ``$limit`` (past Django's ``$addFields`` that copy fields onto
  themselves) to that read.
* The whole count of a collection (``estimated_document_count``) walked every document;
  it is now kept until a write changes it, as MongoDB keeps it in metadata.
* ``explain`` reported documents examined by formula (the whole collection for any scan).
  It now runs the read and counts the documents fetched and index keys walked.

Every document a read returns still passes the query's full filter, so only the amount
read changes. ``install`` is idempotent; ``credsite.devdb.start_server`` calls it.
"""

import contextvars
import time
from collections.abc import Mapping

from bson import ObjectId

# Clauses an index cannot serve by itself; the matcher applies them to the candidates.
UNPLANNED = frozenset({"$or", "$nor", "$expr", "$comment", "$jsonSchema", "$where", "$alwaysTrue", "$alwaysFalse"})
# Filters SecantusDB must plan itself ($text needs its text index, and says so when there is none).
LEFT_ALONE = frozenset({"$text"})
# Values compared in a set by `$in`: equal exactly when Python says so (no numeric bridging, no collation).
SET_COMPARABLE = (str, ObjectId)
SET_LOOKUP_FROM = 8  # list length from which `$in` builds a set
WALK_CHUNK = 64

_examined = contextvars.ContextVar("examined", default=None)
_pushed_down = contextvars.ContextVar("pushed_down", default=None)


def planning_filter(query):
    """The conjuncts of `query` an index can serve, as one field-keyed filter; None to leave it alone.

    `$and` is flattened; `$or`, `$expr` and the like are left out (evaluated on the
    candidates, as ever). A field constrained twice keeps its most selective clause for
    planning (an equality before `$in`, `$in` before anything else), or both ranges of a
    range. A case-sensitive regex anchored at the start is planned as the range of strings
    beginning with its literal prefix, as MongoDB bounds it.
    """
    if not isinstance(query, Mapping) or LEFT_ALONE.intersection(query):
        return None
    best = {}

    def add(part):
        for key, clause in part.items():
            if key == "$and" and isinstance(clause, list):
                for each in clause:
                    if isinstance(each, Mapping):
                        add(each)
                continue
            if not isinstance(key, str) or key.startswith("$"):
                continue
            clause = _prefix_range(clause) or clause
            held = best.get(key)
            if held is None or _rank(clause) < _rank(held):
                best[key] = clause
            elif _is_range(held) and _is_range(clause) and not set(held) & set(clause):
                best[key] = {**held, **clause}

    add(query)
    return dict(sorted(best.items(), key=lambda item: _rank(item[1])))


def _rank(clause):
    if not isinstance(clause, Mapping) or list(clause) == ["$eq"]:
        return 0
    return 1 if list(clause) == ["$in"] else 2


def _is_range(clause):
    return isinstance(clause, Mapping) and bool(clause) and set(clause) <= {"$gt", "$gte", "$lt", "$lte"}


REGEX_SYNTAX = frozenset("\\^$.|?*+()[]{}")


def _prefix_range(clause):
    """`{$regex: "^literal..."}` (no options) as `{$gte: "literal", $lt: <the next string after every
    "literal...">}`; None for any other clause."""
    if not isinstance(clause, Mapping) or set(clause) - {"$regex", "$options"} or clause.get("$options"):
        return None
    pattern = clause.get("$regex")
    if not isinstance(pattern, str) or not pattern.startswith("^"):
        return None
    prefix, position = [], 1
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern) and not pattern[position + 1].isalnum():
            prefix.append(pattern[position + 1])
            position += 2
        elif char in REGEX_SYNTAX:
            break
        else:
            prefix.append(char)
            position += 1
    if position < len(pattern) and pattern[position] in "?*{|":
        prefix = prefix[:-1]  # the last literal is optional or repeated
    if "|" in pattern or not prefix or ord(prefix[-1]) >= 0x10FFFF:
        return None
    literal = "".join(prefix)
    return {"$gte": literal, "$lt": literal[:-1] + chr(ord(literal[-1]) + 1)}


def _or_lists(query):
    """Every `$or` list among the conjuncts of `query` (`$and` flattened)."""
    for key, clause in query.items():
        if key == "$or" and isinstance(clause, list):
            yield clause
        elif key == "$and" and isinstance(clause, list):
            for each in clause:
                if isinstance(each, Mapping):
                    yield from _or_lists(each)


def _install_conjunct_planning(Storage):
    """The lookup and explain's mirror of it plan on `planning_filter`, then on a `$or` whose every branch an
    index serves (the union of the branches' lookups, MongoDB's OR plan); explain also tries each clause, as
    the lookup does."""
    lookup, pick = Storage._try_index_id_keys, Storage._pick_index_for_filter

    def planned_on_conjuncts(plan, self, db, coll, query, collation):
        planned = planning_filter(query)
        if planned is None or planned == query:
            return plan(self, db, coll, query, collation=collation)
        return plan(self, db, coll, planned, collation=collation) if planned else None

    def try_index_id_keys(self, db, coll, query, *, collation=None):
        found = planned_on_conjuncts(lookup, self, db, coll, query, collation)
        if found is None and isinstance(query, Mapping) and not LEFT_ALONE.intersection(query):
            for branches in _or_lists(query):
                union = []
                for branch in branches:
                    ids = self._try_index_id_keys(db, coll, branch, collation=collation) if branch else None
                    if ids is None:
                        break
                    union += ids
                else:
                    return list(dict.fromkeys(union))
        return found

    def pick_one(self, db, coll, query, *, collation=None):
        picked = pick(self, db, coll, query, collation=collation)
        if picked is None and len(query) > 1:
            for field, clause in query.items():
                picked = pick(self, db, coll, {field: clause}, collation=collation)
                if picked is not None:
                    break
        return picked

    def pick_index_for_filter(self, db, coll, query, *, collation=None):
        picked = planned_on_conjuncts(pick_one, self, db, coll, query, collation)
        if picked is None and isinstance(query, Mapping) and not LEFT_ALONE.intersection(query):
            for branches in _or_lists(query):
                picks = [self._pick_index_for_filter(db, coll, branch, collation=collation) if branch else None
                         for branch in branches]  # fmt: skip
                if picks and all(picks):
                    return picks[0]
        return picked

    Storage._try_index_id_keys = try_index_id_keys
    Storage._pick_index_for_filter = pick_index_for_filter


def _install_set_lookup_for_in(query_module):
    """`$in` / `$nin` over many strings or ObjectIds: one set lookup per value instead of a comparison per
    listed value. Other listed values (numbers, dates, null, regexes) keep SecantusDB's comparison."""
    op_matches = query_module._op_matches
    missing, expandable = query_module.MISSING, query_module._expandable
    candidate_matches = query_module._in_candidate_matches
    prepared = {}

    def split(listed):
        entry = prepared.get(id(listed))
        if entry is None or entry[0] is not listed:
            query_module._validate_in_arg("$in", listed)
            in_set = frozenset(v for v in listed if type(v) in SET_COMPARABLE)
            others = [v for v in listed if type(v) not in SET_COMPARABLE]
            if len(prepared) > 256:
                prepared.clear()
            entry = prepared[id(listed)] = (listed, in_set, others)
        return entry[1], entry[2]

    def found(values, listed, collation, descend):
        in_set, others = split(listed)
        for value in values:
            if value is missing:
                continue
            if type(value) in SET_COMPARABLE and value in in_set:
                return True
            if expandable(value, descend) and any(type(e) in SET_COMPARABLE and e in in_set for e in value):
                return True
        return any(candidate_matches(values, other, collation, descend=descend) for other in others)

    def matches_op(values, op, arg, collation=None, *, field="", descend=True):
        if op in ("$in", "$nin") and collation is None and isinstance(arg, list) and len(arg) >= SET_LOOKUP_FROM:
            hit = found(values, arg, collation, descend)
            return hit if op == "$in" else not hit
        return op_matches(values, op, arg, collation, field=field, descend=descend)

    query_module._op_matches = matches_op


# --- Reading a page, not the collection ------------------------------------------------------


def _sort_fields(sort):
    """[(field, direction)] of a plain sort (no `$meta`), or None."""
    if not isinstance(sort, Mapping) or not sort:
        return None
    fields = []
    for field, direction in sort.items():
        if not isinstance(field, str) or field.startswith("$") or direction not in (1, -1):
            return None
        fields.append((field, int(direction)))
    return fields


def _walk_direction(key_spec, fields):
    """How an index of `key_spec` gives the sort `fields`: False walked forwards, True backwards, None not at all.
    MongoDB's rule: the sort's fields are the index's first ones, each direction the index's or each reversed."""
    keys = list(key_spec.items())[: len(fields)]
    if [field for field, _ in keys] != [field for field, _ in fields] or any(d not in (1, -1) for _, d in keys):
        return None
    same = {direction == wanted for (_, direction), (_, wanted) in zip(keys, fields, strict=True)}
    return None if len(same) > 1 else same == {False}


def _walk_index(storage, storage_module, db, coll, name, reverse):
    """(index key, RecordId) of every entry of index `name`, in its order or reversed, read lazily."""
    storage._session()
    cursor = storage._tls.session.open_cursor(storage_module._IDX_ENTRIES_TABLE, None, None)
    try:
        if reverse:
            cursor.set_key(db, coll, name + "\x01", b"")
            found = cursor.search_near()
            if found == storage_module.wt.WT_NOTFOUND or (found > 0 and cursor.prev() != 0):
                return
        else:
            cursor.set_key(db, coll, name, b"")
            found = cursor.search_near()
            if found == storage_module.wt.WT_NOTFOUND or (found < 0 and cursor.next() != 0):
                return
        while True:
            key = cursor.get_key()
            if (key[0], key[1], key[2]) != (db, coll, name):
                return
            index_key, record_id = storage_module._unpack_entry(bytes(key[3]))
            if record_id is not None:
                _count(keys=1)
                yield index_key, record_id
            if (cursor.prev() if reverse else cursor.next()) != 0:
                return
    finally:
        cursor.close()


def _count(docs=0, keys=0):
    counter = _examined.get()
    if counter is not None:
        counter["docs"] += docs
        counter["keys"] += keys


def _install_page_reads(Storage, storage_module, query_module, ordering_module):
    find_matching = Storage.find_matching
    matches, sort_docs = query_module.matches, ordering_module.sort_docs

    def index_providing(self, db, coll, fields):
        """(name, walked backwards) of an index whose order is the sort's, as MongoDB plans a sort on an index
        (a compound sort needs a compound index: Django's `_id` tiebreak is not implied by an index on the first
        field); None if there is none. Sparse, partial and multikey indexes, whose walk may miss documents, and
        those with a collation are left out."""
        for name, key_spec, sparse, _unique in self._all_indexes(db, coll):
            backwards = _walk_direction(key_spec, fields)
            if backwards is None or sparse or name in self._partial_filters(db, coll):
                continue
            if not self._index_options_map(db, coll).get(name, {}).get("collation"):
                if not self.index_is_multikey(db, coll, name):
                    return name, backwards
        return None

    def page_by_sort_index(self, db, coll, query, fields, wanted, let, budget=None):
        """The first `wanted` matches in sort order, walking an index that provides the sort; None if there is
        no such index, or the page is not complete after reading `budget` documents."""
        index = index_providing(self, db, coll, fields)
        if index is None:
            return None
        name, backwards = index
        found, read = [], 0
        counter = _examined.get()
        counted = dict(counter) if counter is not None else None
        for _index_key, record_id in _walk_index(self, storage_module, db, coll, name, backwards):
            read += 1
            if budget is not None and read > budget:
                if counted is not None:
                    counter.update(counted)  # MongoDB's explain counts the plan that won, not the one it gave up
                return None
            for document in self._docs_by_recordids(db, coll, [record_id]):
                if matches(document, query, vars=let):
                    found.append(document)
            if len(found) >= wanted:
                break  # the index's order is the sort's: the page is complete
        return sort_docs(found, dict(fields))

    def matching(self, db, coll, query, documents, wanted, let):
        """The documents of an iterable that match, stopping at `wanted` of them (None: all)."""
        found = []
        for document in documents:
            if matches(document, query, vars=let):
                found.append(document)
                if wanted is not None and len(found) >= wanted:
                    break
        return found

    def fetched(self, db, coll, record_ids):
        for start in range(0, len(record_ids), WALK_CHUNK):
            yield from self._docs_by_recordids(db, coll, record_ids[start : start + WALK_CHUNK])

    def scanned(self, db, coll):
        for _record_id, _id_key, blob in self._scan_docs(db, coll):
            yield storage_module.bson.decode(blob)

    def page_of(self, db, coll, query, fields, wanted, let):
        """What MongoDB's planner would read for the page, as it races its candidate plans: the filter's index
        or, for a sort, an index providing it, whichever completes the page first; None to leave the read to
        SecantusDB."""
        record_ids = self._try_index_id_keys(db, coll, query) if query else None
        if record_ids is None:
            if fields is None:
                return matching(self, db, coll, query, scanned(self, db, coll), wanted, let)
            return page_by_sort_index(self, db, coll, query, fields, wanted, let)
        record_ids = list(dict.fromkeys(record_ids))
        if fields is None:
            return matching(self, db, coll, query, fetched(self, db, coll, record_ids), wanted, let)
        if len(record_ids) > wanted:
            page = page_by_sort_index(self, db, coll, query, fields, wanted, let, budget=len(record_ids))
            if page is not None:
                return page
        return sort_docs(matching(self, db, coll, query, fetched(self, db, coll, record_ids), None, let), dict(fields))

    def find_page(self, db, coll, query=None, *, skip=0, limit=0, sort=None, projection=None, hint=None, let=None,
                  collation=None, min_bound=None, max_bound=None):  # fmt: skip
        pushed = _pushed_down.get()
        if pushed is not None and not sort and not skip and not limit:
            _pushed_down.set(None)  # the aggregate's first read only
            sort, skip, limit = pushed
        page = None
        query = query or {}
        fields = _sort_fields(sort)
        if (
            limit > 0
            and (fields is not None or not sort)
            and hint is None
            and collation is None
            and min_bound is None
            and max_bound is None
            and not any(special(db, coll) for special in (self._is_oplog_rs, self._is_system_users,
                                                          self._is_system_version, self._is_timeseries))
            and not LEFT_ALONE.intersection(query)
        ):  # fmt: skip
            self._refresh_read_snapshot()
            with self._lock:
                page = page_of(self, db, coll, query, fields, skip + limit, let)
        if page is None:
            return find_matching(
                self, db, coll, query, skip=skip, limit=limit, sort=sort, projection=projection, hint=hint,
                let=let, collation=collation, min_bound=min_bound, max_bound=max_bound,
            )  # fmt: skip
        page = page[skip : skip + limit]
        if projection:
            metas = self._projection_metas(db, coll, page, projection, query, sort, None, None)
            page = storage_module.apply_projection_batch(page, projection, query, metas=metas, has_sort=bool(sort))
        return page

    def docs_by_recordids(self, db, coll, recordids):
        documents = docs_by_recordids.original(self, db, coll, recordids)
        _count(docs=len(documents))
        return documents

    def scan_docs(self, db, coll):
        for row in scan_docs.original(self, db, coll):
            _count(docs=1)
            yield row

    docs_by_recordids.original = Storage._docs_by_recordids
    scan_docs.original = Storage._scan_docs
    Storage.find_matching = find_page
    Storage._docs_by_recordids = docs_by_recordids
    Storage._scan_docs = scan_docs


def _install_kept_counts(Storage):
    """A collection's whole count (`estimated_document_count`) kept between the writes that change it, as
    MongoDB keeps it in the collection's metadata, where SecantusDB walked every document for it."""
    count_matching, emit_oplog = Storage.count_matching, Storage._emit_oplog

    def forget_counts(self, entries, pre_images=None):
        # Every write goes through the oplog: an insert, a delete or a command (drop, rename...) changes counts.
        kept = self.__dict__.get("_credsite_counts")
        for entry in entries if kept is not None else ():
            if entry.get("op") in ("i", "d", "c"):
                kept["generation"] += 1
                if entry["op"] == "c":
                    kept["counts"].clear()
                else:
                    kept["counts"].pop(tuple(str(entry.get("ns", "")).split(".", 1)), None)
        return emit_oplog(self, entries, pre_images)

    def count(self, db, coll, query=None, *, let=None, collation=None):
        if query or not self.enable_oplog or self._is_oplog_rs(db, coll) or self._is_system_users(db, coll):
            return count_matching(self, db, coll, query, let=let, collation=collation)
        kept = self.__dict__.setdefault("_credsite_counts", {"generation": 0, "counts": {}})
        if (db, coll) in kept["counts"]:
            return kept["counts"][(db, coll)]
        generation = kept["generation"]
        counted = count_matching(self, db, coll, query, let=let, collation=collation)
        if kept["generation"] == generation:  # no write meanwhile
            kept["counts"][(db, coll)] = counted
        return counted

    Storage.count_matching = count
    Storage._emit_oplog = forget_counts


def _keeps_documents(stage):
    """The fields a stage keeps unchanged when it changes nothing else a page depends on: Django's `$addFields`
    copying fields onto themselves (None: all of them), or an inclusion `$project`; False for any other."""
    if not isinstance(stage, Mapping) or len(stage) != 1:
        return False
    ((operator, spec),) = stage.items()
    if not isinstance(spec, Mapping) or not spec:
        return False
    if operator == "$addFields" and all(value == f"${field}" for field, value in spec.items()):
        return None
    if operator == "$project" and all(value in (1, True) for value in spec.values()):
        return {*spec, "_id"}
    return False


def page_head(pipeline):
    """(sort, skip, limit, pipeline without them) when `pipeline` (after a leading `$match`) takes a page:
    stages that change no document (`_keeps_documents`), then `$sort`, `$skip`, `$limit`; else None."""
    start = 1 if pipeline and isinstance(pipeline[0], Mapping) and list(pipeline[0]) == ["$match"] else 0
    position, kept = start, None
    while position < len(pipeline) and (keeps := _keeps_documents(pipeline[position])) is not False:
        kept = keeps if kept is None else (kept & keeps if keeps is not None else kept)
        position += 1
    sort, skip, limit = None, 0, None
    taken = []
    for stage in pipeline[position : position + 3]:
        if not isinstance(stage, Mapping) or len(stage) != 1:
            break
        ((operator, value),) = stage.items()
        if operator == "$sort" and sort is None and not taken and _sort_fields(value) is not None:
            sort = dict(value)
        elif operator == "$skip" and limit is None and isinstance(value, int) and value >= 0:
            skip = value
        elif operator == "$limit" and limit is None and isinstance(value, int) and value > 0:
            limit = value
        else:
            break
        taken.append(stage)
        if operator == "$limit":
            break
    # A sort on a field a `$project` dropped would order differently before it.
    if limit is None or (sort and kept is not None and not set(sort) <= kept):
        return None
    # The kept stages go after the page: they change no document, so taking the page first is the same.
    rest = pipeline[:start] + pipeline[start:position] + pipeline[position + len(taken) :]
    return sort, skip, limit, rest


def _install_aggregate_pushdown(commands_module):
    aggregate = commands_module._HANDLERS["aggregate"]

    def aggregate_page(doc, ctx):
        pipeline = doc.get("pipeline")
        head = page_head(pipeline) if isinstance(pipeline, list) and not doc.get("explain") else None
        if (
            head is None
            or doc.get("hint") is not None
            or doc.get("collation") is not None
            # A view's own stages run first: its page is not the base collection's.
            or not isinstance(doc.get("aggregate"), str)
            or commands_module._resolve_view(ctx, doc["aggregate"], [])[1]
        ):
            return aggregate(doc, ctx)
        sort, skip, limit, rest = head
        token = _pushed_down.set((sort, skip, limit))
        try:
            return aggregate({**doc, "pipeline": rest}, ctx)
        finally:
            _pushed_down.reset(token)

    commands_module._HANDLERS["aggregate"] = aggregate_page


def _install_counting_explain(commands_module):
    """`explain` with executionStats runs the read once, counting what it fetched: totalDocsExamined is the
    documents read from the collection, totalKeysExamined the index entries walked for a sorted page."""
    explain = commands_module._HANDLERS["explain"]

    def counting_explain(doc, ctx):
        verbosity = doc.get("verbosity", "executionStats")
        inner = doc.get("explain")
        command = next(iter(inner), None) if isinstance(inner, Mapping) else None
        stages = (inner.get("pipeline") or []) if command == "aggregate" else []
        writes = any(isinstance(stage, Mapping) and ("$out" in stage or "$merge" in stage) for stage in stages)
        if verbosity == "queryPlanner" or command not in ("find", "aggregate") or writes:
            return explain(doc, ctx)  # explain never runs a pipeline's writes
        reply = explain({**doc, "verbosity": "queryPlanner"}, ctx)
        if not reply.get("ok"):
            return reply
        read = dict(inner)
        if command == "aggregate":
            read["cursor"] = {"batchSize": 2**31 - 1}
        else:
            read.update(batchSize=2**31 - 1, singleBatch=True)
        counter = {"docs": 0, "keys": 0}
        token = _examined.set(counter)
        started = time.monotonic()
        try:
            result = commands_module._HANDLERS[command](read, ctx)
        finally:
            _examined.reset(token)
        if not result.get("ok"):
            return result
        returned = len(result["cursor"]["firstBatch"])
        stage = reply["queryPlanner"]["winningPlan"]
        stats = {
            "executionSuccess": True,
            "nReturned": returned,
            "executionTimeMillis": int((time.monotonic() - started) * 1000),
            "totalKeysExamined": counter["keys"],
            "totalDocsExamined": counter["docs"],
            "executionStages": {**stage, "nReturned": returned},
        }
        return {**reply, "executionStats": stats}

    commands_module._HANDLERS["explain"] = counting_explain


def install():
    """Plan SecantusDB's reads as MongoDB's planner would (see the module docstring)."""
    from secantus import commands, ordering, query, storage

    if getattr(storage.Storage, "_credsite_planner", False):
        return
    _install_conjunct_planning(storage.Storage)
    _install_set_lookup_for_in(query)
    _install_page_reads(storage.Storage, storage, query, ordering)
    _install_kept_counts(storage.Storage)
    _install_aggregate_pushdown(commands)
    _install_counting_explain(commands)
    storage.Storage._credsite_planner = True
