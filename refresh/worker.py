"""The refresh worker: claims due credentials of every platform and renews them, `concurrency` at a time.

Run as many as needed, on any hosts: they share the work through the leases alone. `stop()`
(SIGTERM) lets what is in flight finish, then `run()` returns.
"""

import itertools
import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from django.db import close_old_connections

from credentials.platforms import REGISTRY

from .models import TokenEvent
from .queue import claim_due, collection_of, worker_name
from .renewal import renew

log = logging.getLogger("refresh")


class Worker:
    def __init__(self, *, concurrency=4, lease_seconds=60.0, poll_seconds=5.0, once=False, name=None):
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.once = once
        self.name = name or worker_name()
        self.renewed = 0  # renewals that worked; failed and lost ones are events, not counted here
        self._stop = threading.Event()
        self._platforms = itertools.cycle(REGISTRY.values())
        # A platform found with nothing due is not asked again until the next poll: most of
        # the time most platforms have nothing due, and each ask is a database round trip.
        self._idle_until = {}

    def stop(self):
        self._stop.set()

    def claim_next(self):
        """(platform, document) of a due credential of any platform, taking turns; or None."""
        for _ in range(len(REGISTRY)):
            platform = next(self._platforms)
            if self._idle_until.get(platform.key, 0) > time.monotonic():
                continue
            document = claim_due(collection_of(platform), self.name, self.lease_seconds)
            if document is not None:
                return platform, document
            self._idle_until[platform.key] = time.monotonic() + self.poll_seconds
        return None

    def _renew(self, platform, document):
        """Whether the credential was renewed."""
        try:
            # Re-read through the model after taking the lease: what is renewed is what is stored now.
            credential = platform.model.objects.filter(pk=document["_id"]).first()
            if credential is None:
                return False
            return renew(platform, credential, self.name, f"worker {self.name}").outcome == TokenEvent.Outcome.OK
        except Exception:
            # One credential's surprise must not stop the worker; its lease runs out and it is retried.
            log.exception("refresh of %s failed unexpectedly", document.get("credential_id"))
            return False
        finally:
            close_old_connections()

    def run(self):
        log.info("refresh worker %s started (concurrency %d)", self.name, self.concurrency)
        in_flight = set()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="refresh") as pool:
            while not self._stop.is_set():
                claimed = False
                while len(in_flight) < self.concurrency and not self._stop.is_set():
                    job = self.claim_next()
                    if job is None:
                        break
                    in_flight.add(pool.submit(self._renew, *job))
                    claimed = True
                if in_flight:
                    done, in_flight = wait(in_flight, timeout=self.poll_seconds, return_when=FIRST_COMPLETED)
                    self.renewed += sum(job.result() for job in done)
                elif self.once:
                    break
                elif not claimed:
                    self._stop.wait(self.poll_seconds)
            done, _ = wait(in_flight)
            self.renewed += sum(job.result() for job in done)
        log.info("refresh worker %s stopped after %d renewal(s)", self.name, self.renewed)
