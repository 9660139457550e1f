"""The refresher against the platform emulator over real HTTP: renewal before expiry, rotation
kept, racing workers, leases, and failures classified."""

import re
import threading
import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from credentials.health import health_of
from credentials.models import Health
from credentials.platforms import REGISTRY
from refresh.models import TokenEvent
from refresh.queue import claim
from refresh.renewal import renew
from refresh.worker import Worker
from tests.factories import FACTORIES

RENEWED_BY_REFRESH_TOKEN = ("youtube", "tiktok", "twitter", "reddit")
ROTATING = ("tiktok", "twitter")


def reload(credential):
    return type(credential).objects.get(pk=credential.pk)


def run_once(concurrency=2):
    worker = Worker(concurrency=concurrency, once=True, poll_seconds=0.2)
    worker.run()
    return worker


def refresh_requests(emulator, platform_key):
    return [r for r in emulator.requests_seen(platform_key) if r["form"].get("grant_type") == "refresh_token"]


@pytest.mark.parametrize("platform_key", [*RENEWED_BY_REFRESH_TOKEN, "facebook", "instagram"])
def test_a_due_credential_is_renewed_from_what_the_platform_returned(platform_key, connected):
    credential = connected(platform_key)
    assert credential.next_refresh_at <= timezone.now()
    before = credential.token_expiry

    run_once()

    renewed = reload(credential)
    assert renewed.access_token.reveal() != credential.access_token.reveal()
    assert renewed.token_expiry > before and renewed.next_refresh_at > timezone.now()
    assert renewed.refresh_token is not None or platform_key in ("facebook", "instagram")
    if platform_key in ROTATING:
        assert renewed.refresh_token.reveal() != credential.refresh_token.reveal(), "the rotated token is kept"
    assert renewed.health == Health.WORKING and renewed.is_authenticated
    assert renewed.refresh_failures == 0 and renewed.refresh_lease_holder is None
    event = TokenEvent.objects.get(credential_id=credential.credential_id)
    assert event.outcome == "ok" and event.action == "refresh" and event.actor.startswith("worker ")


def test_nothing_is_due_before_its_time_and_oauth1_or_linkedin_never(connected):
    later = connected("youtube", token_expiry=timezone.now() + timedelta(hours=1))
    legacy = FACTORIES["twitter"](
        customer_id="acme", auth_type="oauth1a", client_id=None, client_secret=None, access_token="t",
        access_token_secret="s", token_expiry=timezone.now() + timedelta(minutes=1),
    )  # fmt: skip
    linkedin = FACTORIES["linkedin"](
        access_token="t",
        refresh_token=None,
        scopes=["w_member_social"],
        token_expiry=timezone.now() + timedelta(days=10),
    )
    assert run_once().renewed == 0
    assert reload(later).access_token.reveal() == later.access_token.reveal()
    assert legacy.next_refresh_at is None and linkedin.next_refresh_at is None
    health, detail = health_of(REGISTRY["linkedin"], linkedin, timezone.now())
    assert health == Health.EXPIRES and detail == f"reconnect needed by {linkedin.token_expiry:%Y-%m-%d}"


def test_a_response_without_a_refresh_token_keeps_the_stored_one(connected, emulated_platforms):
    credential = connected("reddit")
    emulated_platforms.omit_refresh_token("reddit")
    try:
        run_once()
    finally:
        emulated_platforms.omit_refresh_token("reddit", on=False)
    renewed = reload(credential)
    assert renewed.refresh_token.reveal() == credential.refresh_token.reveal()
    assert renewed.access_token.reveal() != credential.access_token.reveal()


def test_two_workers_racing_refresh_each_credential_once_and_no_chain_dies(connected, emulated_platforms):
    credentials = [connected("twitter", account=n % 2) for n in range(12)]
    spent_before = len(refresh_requests(emulated_platforms, "twitter"))
    workers = [Worker(concurrency=4, once=True, poll_seconds=0.1) for _ in range(2)]
    threads = [threading.Thread(target=worker.run) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    used = [r["form"]["refresh_token"] for r in refresh_requests(emulated_platforms, "twitter")[spent_before:]]
    assert len(used) == len(set(used)) == len(credentials), "each refresh token spent once"
    assert sum(worker.renewed for worker in workers) == len(credentials)
    # Every chain still works: a second round renews them all again.
    type(credentials[0]).objects.update(next_refresh_at=timezone.now())
    run_once(concurrency=4)
    for credential in credentials:
        assert reload(credential).is_authenticated and reload(credential).health == Health.WORKING
    ids = [credential.credential_id for credential in credentials]
    assert TokenEvent.objects.filter(credential_id__in=ids, outcome="ok").count() == 2 * len(credentials)


def run_out(collection, credential):
    """The lease runs out by the server's clock, as it would a lease's length after its holder died."""
    collection.update_one(
        {"credential_id": credential.credential_id},
        [{"$set": {"refresh_lease_until": {"$subtract": ["$$NOW", 1000]}}}],
    )


def test_a_held_lease_is_left_alone_until_it_runs_out(connected, mongo_db):
    credential = connected("reddit")
    collection = mongo_db[credential._meta.db_table]

    assert claim(collection, credential.credential_id, "dead-worker", 600)
    assert run_once().renewed == 0, "the lease is still held"
    run_out(collection, credential)
    assert run_once().renewed == 1
    assert reload(credential).access_token.reveal() != credential.access_token.reveal()


def test_a_worker_killed_mid_refresh_leaves_it_to_another(connected, manage, mongo_db, emulated_platforms):
    """A real `refresh_tokens` process is killed (SIGKILL) while its refresh is in flight at the
    platform; once its lease runs out, another worker renews the credential."""
    credential = connected("reddit")
    collection = mongo_db[credential._meta.db_table]
    emulated_platforms.set_latency(5)  # the killed worker's refresh stays in flight
    env = {
        "OAUTH_ORIGIN_OVERRIDES": emulated_platforms.origin_overrides_json(),
        "REFRESH_LEASE_SECONDS": "60",
        **emulated_platforms.app_environment(),
    }
    worker = manage("refresh_tokens", database=mongo_db.name, env=env, background=True)
    try:
        deadline = time.monotonic() + 60
        while not (collection.find_one({"credential_id": credential.credential_id}) or {}).get("refresh_lease_holder"):
            assert worker.poll() is None and time.monotonic() < deadline, "the worker never claimed it"
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        worker.kill()
        worker.communicate()
        emulated_platforms.set_latency(0)
    killed = reload(credential)
    assert killed.refresh_lease_holder and killed.access_token.reveal() == credential.access_token.reveal()

    assert run_once().renewed == 0, "the dead worker's lease still holds it"
    run_out(collection, credential)
    assert run_once().renewed == 1
    renewed = reload(credential)
    assert renewed.access_token.reveal() != credential.access_token.reveal() and renewed.health == Health.WORKING
    assert renewed.refresh_lease_holder is None


def test_a_paused_worker_past_its_lease_writes_nothing_and_spends_no_token(connected, emulated_platforms):
    from django.db import connection

    credential = connected("twitter")
    collection = connection.database[credential._meta.db_table]
    assert claim(collection, credential.credential_id, "slow-worker", 0.3)
    stale = reload(credential)  # what the slow worker read before it stalled
    time.sleep(0.5)
    run_once()  # another worker takes over and renews
    renewed = reload(credential)
    spent = len(refresh_requests(emulated_platforms, "twitter"))

    outcome = renew(REGISTRY["twitter"], stale, "slow-worker", "worker slow-worker")

    assert outcome.outcome == "lost"
    assert len(refresh_requests(emulated_platforms, "twitter")) == spent, "the spent token is not replayed"
    assert reload(credential).refresh_token.reveal() == renewed.refresh_token.reveal()
    assert reload(credential).is_authenticated


def test_a_credential_another_writer_changed_meanwhile_is_left_alone(connected):
    from django.db import connection

    credential = connected("reddit")
    collection = connection.database[credential._meta.db_table]
    assert claim(collection, credential.credential_id, "me", 30)
    mine = reload(credential)
    # A publishing service writes new tokens meanwhile (a reconnect, say).
    other = reload(credential)
    other.refresh_token = "written-by-someone-else"
    other.save(update_fields=["refresh_token"])

    assert renew(REGISTRY["reddit"], mine, "me", "worker me").outcome == "lost"
    assert reload(credential).refresh_token.reveal() == "written-by-someone-else"


def test_invalid_grant_makes_it_dead_and_it_is_not_retried(connected, emulated_platforms):
    credential = connected("tiktok")
    emulated_platforms.fail_next(
        "tiktok", 400, {"error": "invalid_grant", "error_description": "revoked", "log_id": "1"}
    )
    assert run_once().renewed == 0, "a failed renewal is not counted as one"
    dead = reload(credential)
    assert not dead.is_authenticated and dead.health == Health.NEEDS_RECONNECT
    assert dead.next_refresh_at is None and dead.last_error_code == "invalid_grant"
    assert "revoked" in dead.last_error_reason
    assert run_once().renewed == 0
    assert health_of(REGISTRY["tiktok"], dead, timezone.now())[0] == Health.NEEDS_RECONNECT
    assert TokenEvent.objects.get(credential_id=credential.credential_id).outcome == "dead"


def test_a_5xx_backs_off_and_stays_authenticated(connected, emulated_platforms):
    credential = connected("youtube")
    emulated_platforms.fail_next("youtube", 503, "Service Unavailable")
    run_once()
    failing = reload(credential)
    assert failing.is_authenticated and failing.refresh_failures == 1
    assert timezone.now() + timedelta(seconds=40) < failing.next_refresh_at < timezone.now() + timedelta(seconds=80)
    assert health_of(REGISTRY["youtube"], failing, timezone.now())[0] == Health.RETRYING
    # When it next comes due it succeeds, and the failures are forgotten.
    type(credential).objects.filter(pk=credential.pk).update(next_refresh_at=timezone.now())
    run_once()
    assert reload(credential).refresh_failures == 0 and reload(credential).health == Health.WORKING


def test_retry_after_is_honoured(connected, emulated_platforms):
    credential = connected("reddit")
    emulated_platforms.fail_next(
        "reddit", 429, {"message": "Too Many Requests", "error": 429}, [("Retry-After", "900")]
    )
    run_once()
    throttled = reload(credential)
    assert throttled.is_authenticated and throttled.next_refresh_at >= timezone.now() + timedelta(seconds=890)


def test_a_timeout_is_transient(connected, emulated_platforms, settings):
    credential = connected("youtube")
    settings.OAUTH_TIMEOUT_SECONDS = 0.2
    emulated_platforms.set_latency(0.6)
    try:
        run_once()
    finally:
        emulated_platforms.set_latency(0)
    timed_out = reload(credential)
    assert timed_out.is_authenticated and timed_out.refresh_failures == 1
    assert timed_out.last_error_code == "network" and "timed out" in timed_out.last_error_reason


def test_a_tiktok_refresh_token_past_its_expiry_needs_a_reconnect(connected):
    credential = connected("tiktok", refresh_token_expiry=timezone.now() - timedelta(minutes=1))
    assert credential.next_refresh_at is None, "never due: it cannot be renewed"
    health, detail = health_of(REGISTRY["tiktok"], credential, timezone.now())
    assert health == Health.EXPIRES and detail == f"reconnect needed by {credential.token_expiry:%Y-%m-%d}"
    later = timezone.now() + timedelta(minutes=10)
    assert health_of(REGISTRY["tiktok"], credential, later)[0] == Health.NEEDS_RECONNECT


def test_refresh_tokens_once_from_the_command(connected, manage, mongo_db, emulated_platforms):
    connected("reddit")
    import json

    env = {
        "OAUTH_ORIGIN_OVERRIDES": json.dumps(emulated_platforms.origin_overrides()),
        **emulated_platforms.app_environment(),
    }
    result = manage("refresh_tokens", "--once", database=mongo_db.name, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "renewed 1 credential(s)\n"
    bad = manage("refresh_tokens", "--concurrency", "0", database=mongo_db.name)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1


def test_racing_workers_keep_a_rotating_chain_alive_at_oidc_provider(db, oauth_server, settings):
    """oidc-provider rotates refresh tokens and revokes the whole grant when a spent one is
    replayed: if two workers ever spent one token, the second round would fail."""
    from credentials.platforms.base import OAuth2
    from oauth.client import AppCredentials, PlatformClient

    client_id, client_secret, _ = oauth_server.clients["post"]
    issuer = PlatformClient(
        OAuth2(
            authorize_url=oauth_server.authorization_endpoint,
            token_url=oauth_server.token_endpoint,
            scopes=("openid", "offline_access"),
            pkce=True,
            authorize_params=(("prompt", "consent"),),
        ),
        AppCredentials(client_id, client_secret),
        redirect_uri=oauth_server.redirect_uri,
    )
    credentials = []
    for n in range(6):
        url, verifier = issuer.authorization_url(state=f"state-{n}")
        token = issuer.exchange_code(oauth_server.authorize(url)["code"], code_verifier=verifier)
        credentials.append(
            FACTORIES["youtube"](
                customer_id="acme",
                client_id=client_id,
                client_secret=client_secret,
                access_token=token["access_token"],
                refresh_token=token["refresh_token"],
                token_expiry=timezone.now() + timedelta(minutes=5),
                scopes=["https://www.googleapis.com/auth/youtube.upload"],
            )  # fmt: skip
        )
    # YouTube's token endpoint (https://oauth2.googleapis.com/token) answered by oidc-provider's /token.
    settings.OAUTH_ORIGIN_OVERRIDES = {"https://oauth2.googleapis.com": oauth_server.issuer}

    for _round in range(2):
        workers = [Worker(concurrency=3, once=True, poll_seconds=0.1) for _ in range(2)]
        threads = [threading.Thread(target=worker.run) for worker in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(worker.renewed for worker in workers) == len(credentials)
        for credential in credentials:
            renewed = reload(credential)
            # (oidc-provider grants openid and offline_access only, so its health says missing scope.)
            assert renewed.is_authenticated and renewed.refresh_failures == 0, renewed.last_error_reason
            assert renewed.refresh_token.reveal() != credential.refresh_token.reveal(), "rotated and stored"
        type(credentials[0]).objects.update(next_refresh_at=timezone.now())
        credentials = [reload(credential) for credential in credentials]


def test_a_token_shorter_lived_than_the_margin_is_renewed_at_half_its_life():
    youtube, now = REGISTRY["youtube"], timezone.now()
    hour = FACTORIES["youtube"].build(access_token="t", refresh_token="r", last_token_refresh=now,
                                      token_expiry=now + timedelta(hours=1))  # fmt: skip
    assert youtube.next_refresh_at(hour, now) == hour.token_expiry - timedelta(minutes=10)
    short = FACTORIES["youtube"].build(access_token="t", refresh_token="r", last_token_refresh=now,
                                       token_expiry=now + timedelta(minutes=2))  # fmt: skip
    assert youtube.next_refresh_at(short, now) == now + timedelta(minutes=1)
    instagram = FACTORIES["instagram"].build(access_token="t", last_token_refresh=now,
                                             token_expiry=now + timedelta(minutes=2))  # fmt: skip
    assert REGISTRY["instagram"].next_refresh_at(instagram, now) == now + timedelta(minutes=1), "not after it died"


@pytest.mark.parametrize("platform_key", ["twitter", "facebook"])
def test_a_running_worker_keeps_short_lived_tokens_alive_past_their_life(platform_key, connected, emulated_platforms):
    """The emulator's demo cap: access tokens of 2 s. A worker left running renews each before it dies."""
    emulated_platforms.cap_access_lifetime(2)
    try:
        credential = connected(platform_key, token_expiry=timezone.now() + timedelta(seconds=2),
                               last_token_refresh=timezone.now())  # fmt: skip
        worker = Worker(concurrency=2, poll_seconds=0.2)
        thread = threading.Thread(target=worker.run)
        thread.start()
        time.sleep(5)
        worker.stop()
        thread.join(30)
    finally:
        emulated_platforms.cap_access_lifetime(None)
    events = TokenEvent.objects.filter(credential_id=credential.credential_id)
    assert events.count() >= 2 and {event.outcome for event in events} == {"ok"}, "renewed again and again"
    alive = reload(credential)
    assert alive.is_authenticated and alive.refresh_failures == 0 and alive.health == Health.WORKING


def test_access_the_customer_removes_at_the_platform_makes_it_need_a_reconnect(connected, emulated_platforms):
    credential = connected("reddit")
    apps = f"{emulated_platforms.base_url}/apps"
    rows = requests.get(apps, timeout=5).text.split("<tr>")
    # The newest of that person's Reddit grants is this test's (the session's emulator keeps the others).
    row = [row for row in rows if "Reddit: emulated_redditor_one" in row and "Remove access" in row][-1]
    grant = re.search(r'name="grant" value="(\d+)"', row).group(1)
    removed = requests.post(apps, data={"grant": grant}, timeout=5, allow_redirects=False)
    assert removed.status_code == 303

    run_once()
    dead = reload(credential)
    assert not dead.is_authenticated and dead.health == Health.NEEDS_RECONNECT and dead.next_refresh_at is None
    assert "access removed" in requests.get(apps, timeout=5).text
