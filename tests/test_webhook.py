"""TOKEN_EVENTS_WEBHOOK_URL: what a receiver on loopback gets when a credential dies or recovers."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from credentials.models import Health
from refresh.webhook import signature
from refresh.worker import Worker

SECRET = "webhook-secret-for-the-tests-0123456789"


class Receiver:
    """An HTTP server that answers each POST with the next status of `statuses` (then 200)."""

    def __init__(self, statuses=()):
        self.received = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver(settings):
    receiving = Receiver()
    settings.TOKEN_EVENTS_WEBHOOK_URL = receiving.url
    settings.TOKEN_EVENTS_WEBHOOK_SECRET = SECRET
    yield receiving
    receiving.server.shutdown()


def run_once():
    Worker(concurrency=1, once=True, poll_seconds=0.1).run()


def test_a_credential_that_dies_is_posted_signed(connected, emulated_platforms, receiver):
    credential = connected("twitter")
    emulated_platforms.fail_next(
        "twitter", 400, {"error": "invalid_grant", "error_description": "Value passed was revoked"}
    )
    run_once()
    ((headers, body),) = receiver.received
    event = json.loads(body)
    assert event["event"] == "needs_reconnect" and event["credential_id"] == credential.credential_id
    assert event["platform"] == "twitter" and event["customer_id"] == "acme" and "invalid_grant" in event["reason"]
    stamp = headers["X-Console-Signature"].split(",")[0].removeprefix("t=")
    assert headers["X-Console-Signature"] == signature(SECRET, int(stamp), body)
    assert credential.access_token.reveal() not in body.decode()


def test_a_failing_credential_that_renews_again_is_posted_as_recovered(connected, receiver):
    credential = connected("reddit")
    type(credential).objects.filter(pk=credential.pk).update(health=Health.FAILING, refresh_failures=30)
    run_once()
    assert [event["event"] for event in receiver.events()] == ["recovered"]


def test_a_working_renewal_posts_nothing(connected, receiver):
    connected("reddit")
    run_once()
    assert receiver.received == []


def test_delivery_is_retried(connected, emulated_platforms, settings):
    receiving = Receiver(statuses=[503, 502])
    settings.TOKEN_EVENTS_WEBHOOK_URL = receiving.url
    settings.TOKEN_EVENTS_WEBHOOK_SECRET = SECRET
    connected("tiktok")
    emulated_platforms.fail_next("tiktok", 400, {"error": "invalid_grant", "error_description": "x", "log_id": "1"})
    run_once()
    assert len(receiving.received) == 3 and receiving.events()[-1]["event"] == "needs_reconnect"
    receiving.server.shutdown()


def test_a_webhook_without_a_secret_refuses_to_start(manage, mongo_db):
    result = manage("check", database=mongo_db.name, env={"TOKEN_EVENTS_WEBHOOK_URL": "https://hooks.example.com/x"})
    assert result.returncode != 0 and "TOKEN_EVENTS_WEBHOOK_SECRET" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_dead_credential_failing_again_is_not_posted_again(connected, emulated_platforms, receiver):
    credential = connected("reddit")
    type(credential).objects.filter(pk=credential.pk).update(health=Health.NEEDS_RECONNECT, refresh_failures=1)
    emulated_platforms.fail_next("reddit", 400, {"error": "invalid_grant"})
    run_once()
    assert receiver.received == []
