"""A lease lock in MongoDB, so that only one process at a time does a piece of work.

The lock document is inserted once (a duplicate-key error means it exists already) and
then taken with `find_one_and_update` *without* upsert: some servers (SecantusDB under
contention) can apply an upserting `find_one_and_update` yet answer None, which would
let two holders in. The holder renews its lease while it works; a holder that dies
stops renewing and its lease expires, so the next process takes over.

Every time in the lock is the database server's (`$$NOW`), never a host's: whether a
lease has run out is decided by one clock, so skew between hosts cannot let two
holders in. A holder that stalls (paused, swapped out, cut off) for longer than its
lease may find another has taken over; it must call `ensure_held` before each step
that must not be done twice, and stop when that raises `LeaseLost`.
"""

import os
import socket
import threading
import time
import uuid

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

NOW = "$$NOW"


class LockTimeout(Exception):
    """The lock stayed taken for longer than the caller would wait."""

    def __init__(self, name, holder):
        self.holder = holder
        since = holder.get("since")
        since_text = since.strftime("%Y-%m-%d %H:%M:%S UTC") if since else "an unknown time"
        super().__init__(f"lock {name!r} is held by {holder.get('host')} (pid {holder.get('pid')}) since {since_text}")


class LeaseLost(Exception):
    """The holder's lease ran out, so another process may be doing the work now."""

    def __init__(self, name, before):
        super().__init__(
            f"lost lock {name!r} before {before}: its lease ran out while this run was held up "
            "and another run may have taken over, so this run stopped there"
        )


class LeaseLock:
    def __init__(self, collection, name, *, lease_seconds=60.0):
        self.collection = collection
        self.name = name
        self.lease_seconds = lease_seconds
        self.token = uuid.uuid4().hex
        self._stop_renewing = threading.Event()
        self._lost = threading.Event()
        self._renewer = None

    def _expiry(self):
        """The expression for "a lease from now", in the server's clock."""
        return {"$add": [NOW, round(self.lease_seconds * 1000)]}

    def try_acquire(self):
        """Take the lock if it is free or its lease has expired; True on success."""
        try:
            self.collection.insert_one({"_id": self.name, "holder": None, "expires_at": None})
        except DuplicateKeyError:
            pass
        identity = {"token": self.token, "host": socket.gethostname(), "pid": os.getpid()}
        taken = self.collection.find_one_and_update(
            {"_id": self.name, "$or": [{"holder": None}, {"$expr": {"$lt": ["$expires_at", NOW]}}]},
            [
                {
                    "$set": {
                        # An operator, so the new holder replaces the old one whole rather
                        # than being merged into it field by field.
                        "holder": {"$mergeObjects": [{"$literal": identity}, {"since": NOW}]},
                        "expires_at": self._expiry(),
                    }
                }
            ],
            return_document=ReturnDocument.AFTER,
        )
        return taken is not None and taken["holder"]["token"] == self.token

    def acquire(self, *, timeout, poll_seconds=0.5):
        """Wait up to `timeout` seconds for the lock; raise LockTimeout naming the holder."""
        deadline = time.monotonic() + timeout
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                current = self.collection.find_one({"_id": self.name}) or {}
                raise LockTimeout(self.name, current.get("holder") or {})
            time.sleep(poll_seconds)
        self._start_renewing()

    def _renew(self):
        """Extend the lease if this process still holds it; False if it has lost it.

        A lease that ran out counts as lost even if nobody has taken it yet: from that
        moment `try_acquire` treats the lock as free, and holder and takers must agree.
        """
        renewed = self.collection.update_one(
            {"_id": self.name, "holder.token": self.token, "$expr": {"$gt": ["$expires_at", NOW]}},
            [{"$set": {"expires_at": self._expiry()}}],
        )
        held = renewed.matched_count == 1
        if not held:
            self._lost.set()
        return held

    @property
    def lost(self):
        """Whether this process has found that it no longer holds the lock."""
        return self._lost.is_set()

    def ensure_held(self, *, before):
        """Raise LeaseLost unless this process still holds the lock; renews the lease.

        `before` names the step about to be done, for the error message.
        """
        if self.lost or not self._renew():
            raise LeaseLost(self.name, before)

    def _start_renewing(self):
        def renew():
            while not self._stop_renewing.wait(self.lease_seconds / 3):
                try:
                    if not self._renew():
                        return  # the holder's next ensure_held reports it
                except PyMongoError:
                    pass  # a passing fault: the next beat tries again before the lease ends

        self._renewer = threading.Thread(target=renew, name=f"lease:{self.name}", daemon=True)
        self._renewer.start()

    def release(self):
        self._stop_renewing.set()
        if self._renewer is not None:
            self._renewer.join()
        self.collection.update_one(
            {"_id": self.name, "holder.token": self.token},
            {"$set": {"holder": None, "expires_at": None}},
        )
