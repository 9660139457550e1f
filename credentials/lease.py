"""A lease lock in MongoDB, so that only one process at a time does a piece of work.

The lock document is inserted once (a duplicate-key error means it exists already) and
then taken with `find_one_and_update` *without* upsert: some servers (SecantusDB under
contention) can apply an upserting `find_one_and_update` yet answer None, which would
let two holders in. The holder renews its lease while it works; a holder that dies
stops renewing and its lease expires, so the next process takes over.
"""

import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError


class LockTimeout(Exception):
    """The lock stayed taken for longer than the caller would wait."""

    def __init__(self, name, holder):
        self.holder = holder
        since = holder.get("since")
        since_text = since.strftime("%Y-%m-%d %H:%M:%S UTC") if since else "an unknown time"
        super().__init__(f"lock {name!r} is held by {holder.get('host')} (pid {holder.get('pid')}) since {since_text}")


class LeaseLock:
    def __init__(self, collection, name, *, lease_seconds=60.0):
        self.collection = collection
        self.name = name
        self.lease = timedelta(seconds=lease_seconds)
        self.token = uuid.uuid4().hex
        self._stop_renewing = threading.Event()
        self._renewer = None

    def _holder(self):
        return {
            "token": self.token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.now(UTC),
        }

    def try_acquire(self):
        """Take the lock if it is free or its lease has expired; True on success."""
        try:
            self.collection.insert_one({"_id": self.name, "holder": None, "expires_at": None})
        except DuplicateKeyError:
            pass
        now = datetime.now(UTC)
        taken = self.collection.find_one_and_update(
            {"_id": self.name, "$or": [{"holder": None}, {"expires_at": {"$lt": now}}]},
            {"$set": {"holder": self._holder(), "expires_at": now + self.lease}},
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

    def _start_renewing(self):
        def renew():
            while not self._stop_renewing.wait(self.lease.total_seconds() / 3):
                try:
                    self.collection.update_one(
                        {"_id": self.name, "holder.token": self.token},
                        {"$set": {"expires_at": datetime.now(UTC) + self.lease}},
                    )
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
