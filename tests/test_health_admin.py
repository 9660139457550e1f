"""Health as staff see it (list, filter, change page, overview, token_health) and the Refresh now, Test and
Disconnect actions, against the platform emulator over real HTTP."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from credentials.health import health_of, health_q
from credentials.models import Health
from credentials.platforms import REGISTRY
from oauth.errors import OAuthFailure
from refresh.models import TokenEvent
from refresh.queue import claim
from refresh.renewal import client_for
from tenancy.models import TenantAccess
from tests.admin_pages import html, messages_of, url
from tests.factories import FACTORIES

YouTube = REGISTRY["youtube"].model
Reddit = REGISTRY["reddit"].model
REDDIT_ACCOUNT = {"user_id": "emu0001", "username": "emulated_redditor_one"}  # the emulator's first


def reload(credential):
    return type(credential).objects.get(pk=credential.pk)


def events(credential, action):
    return list(TokenEvent.objects.filter(credential_id=credential.credential_id, action=action))


def history(credential):
    return [entry.get_change_message() for entry in LogEntry.objects.filter(object_id=str(credential.pk))]


def post_action(client, model, action, credentials, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(c.pk) for c in credentials], **extra}
    return client.post(url(model, "changelist"), data)


# health_q and health_of agree ----------------------------------------------------------------


def cases(platform, now):
    """Field values taking health_of down each of its branches on `platform` (the factory fills the rest)."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    token = {"access_token": "a", "refresh_token": "r", "scopes": list(platform.token_facts.post_scopes)}
    return [
        {"access_token": None},
        {**token, "is_authenticated": False},
        {**token, "is_authenticated": False, "health": Health.NEEDS_RECONNECT, "last_error_reason": "revoked"},
        {**token, "health": Health.NEEDS_RECONNECT},  # a verdict a renewal has since overturned
        {**token, "refresh_token": None, "token_expiry": now - hour},
        {**token, "token_expiry": now + hour, "refresh_failures": 5, "failing_since": now - 2 * day},
        {**token, "token_expiry": now + hour, "refresh_failures": 1, "failing_since": now - hour},
        {**token, "token_expiry": now + hour, "refresh_failures": 1, "failing_since": None},
        {**token, "scopes": ["nothing.useful"]},
        {**token, "scopes": []},  # granted scopes unknown
        {**token, "refresh_token": None, "token_expiry": now + 3 * day},
        {**token, "refresh_token": None, "token_expiry": now + 30 * day},
        {**token, "token_expiry": now - hour},  # renewable, due 70 minutes ago: the refresher is late
        {**token, "token_expiry": now + hour},  # a 1-hour token renewed on time
        {**token, "token_expiry": now + 5 * day, "last_token_refresh": now - 2 * hour},
        {**token},  # no expiry known
    ]


PLATFORM_CASES = {
    "tiktok": lambda now: [
        {"access_token": "a", "refresh_token": "r", "token_expiry": now + timedelta(hours=1),
         "refresh_token_expiry": now - timedelta(minutes=1)},
        {"access_token": "a", "refresh_token": "r", "token_expiry": now - timedelta(hours=1),
         "refresh_token_expiry": now - timedelta(minutes=1)},
        {"access_token": "a", "refresh_token": "r", "token_expiry": now + timedelta(hours=1),
         "refresh_token_expiry": now + timedelta(days=5)},
        {"access_token": "a", "refresh_token": "r", "token_expiry": now + timedelta(hours=1),
         "refresh_token_expiry": now + timedelta(days=100)},
    ],
    "twitter": lambda now: [
        {"auth_type": "oauth1a", "access_token": "a", "scopes": ["tweet.read"]},
        {"auth_type": "oauth1a", "access_token": "a", "refresh_token": "r", "token_expiry": now + timedelta(days=2)},
        {"auth_type": None, "access_token": "a", "refresh_token": "r", "scopes": ["tweet.read"]},
    ],
    "linkedin": lambda now: [
        {"access_token": "a", "post_as": "organization", "scopes": ["w_member_social"]},
        {"access_token": "a", "post_as": "organization", "scopes": ["w_organization_social"]},
        {"access_token": "a", "post_as": None, "scopes": ["openid"]},
    ],
}  # fmt: skip


def test_health_q_finds_exactly_the_credentials_health_of_names(db, mongo_db):
    now = timezone.now()
    seen = set()
    for key, platform in REGISTRY.items():
        made = [
            FACTORIES[key](customer_id="acme", **values)
            for values in [*cases(platform, now), *PLATFORM_CASES.get(key, lambda now: [])(now)]
        ]
        # Documents written by other services may lack fields the console always writes.
        collection = mongo_db[platform.collection]
        collection.update_one({"_id": made[1].pk}, {"$unset": {"is_authenticated": ""}})
        collection.update_one({"_id": made[-1].pk}, {"$unset": {"refresh_failures": ""}})
        stored = list(platform.model.objects.all())
        for health in Health:
            expected = {c.pk for c in stored if health_of(platform, c, now)[0] == health}
            found = set(platform.model.objects.filter(health_q(platform, health, now)).values_list("pk", flat=True))
            assert found == expected, (key, health)
            seen |= {health} if expected else set()
    assert seen == set(Health), "the cases cover every health"


# The list, the filter and the overview -------------------------------------------------------


def test_a_just_renewed_one_hour_token_is_working_everywhere(staff_client, connected):
    credential = connected("youtube", is_active=True)
    response = staff_client.post(url(YouTube, "refresh_now", credential.pk))
    assert response.status_code == 302
    renewed = reload(credential)
    assert timedelta(minutes=50) < renewed.token_expiry - timezone.now() <= timedelta(hours=1)
    assert health_of(REGISTRY["youtube"], renewed, timezone.now())[0] == Health.WORKING

    listed = html(staff_client.get(url(YouTube, "changelist")))
    assert 'class="health health-working"' in listed
    assert credential.name in html(staff_client.get(url(YouTube, "changelist") + "?health=working"))
    assert credential.name not in html(staff_client.get(url(YouTube, "changelist") + "?health=refresh_due"))
    overview = html(staff_client.get(reverse("admin:credentials_overview")))
    assert "Nothing needs attention." in overview
    row = overview.split('data-platform="YouTube"')[1].split("</tr>")[0]
    assert f'href="{url(YouTube, "changelist")}?health=working">1</a>' in row


def test_the_filter_and_the_overview_count_and_list_by_health(staff_client, db):
    now = timezone.now()
    make = FACTORIES["youtube"]
    posting = list(REGISTRY["youtube"].token_facts.post_scopes)
    make(
        customer_id="acme",
        name="fine",
        access_token="a",
        refresh_token="r",
        scopes=posting,
        token_expiry=now + timedelta(hours=1),
    )
    make(
        customer_id="acme",
        name="dead",
        access_token="a",
        refresh_token="r",
        scopes=posting,
        is_active=True,
        is_authenticated=False,
        health=Health.NEEDS_RECONNECT,
        last_error_reason="invalid_grant: Token revoked",
    )
    make(
        customer_id="acme",
        name="retrying",
        access_token="a",
        refresh_token="r",
        scopes=posting,
        refresh_failures=2,
        failing_since=now - timedelta(hours=1),
        last_error_reason="timed out",
    )
    make(customer_id="globex", name="narrow", access_token="a", scopes=["youtube.readonly"])
    make(customer_id="initech", name="not mine", access_token="a", is_authenticated=False)  # fmt: skip
    expected = {"working": {"fine"}, "needs_reconnect": {"dead"}, "retrying": {"retrying"},
                "missing_scope": {"narrow"}, "no_token": set()}  # fmt: skip
    names = ("fine", "dead", "retrying", "narrow", "not mine")
    for value, wanted in expected.items():
        page = html(staff_client.get(url(YouTube, "changelist") + f"?health={value}"))
        assert {n for n in names if f">{n}<" in page} == wanted, value
    listed = html(staff_client.get(url(YouTube, "changelist")))
    assert "invalid_grant: Token revoked" in listed and "2 failure(s): timed out" in listed
    assert listed.count('data-filter-title="health"') == 1, "the stored field offers no second filter"

    overview = html(staff_client.get(reverse("admin:credentials_overview")))
    attention = overview.split('id="needs-attention"')[1].split("</table>")[0]
    assert "dead" in attention and "invalid_grant: Token revoked" in attention and "narrow" in attention
    assert "retrying" not in attention and "fine" not in attention, "only what needs a person"
    assert "not mine" not in overview
    row = overview.split('data-platform="YouTube"')[1].split("</tr>")[0]
    assert ">4</a>" in row.split("<td>")[1]  # the total, of the granted tenants only


# Refresh now ---------------------------------------------------------------------------------


def test_refresh_now_renews_records_and_writes_history(staff_client, staff_user, connected, emulated_platforms):
    credential = connected("twitter", token_expiry=timezone.now() + timedelta(hours=1))  # not due
    response = staff_client.post(url(type(credential), "refresh_now", credential.pk))
    assert response.status_code == 302 and response["Location"] == url(type(credential), "change", credential.pk)
    assert messages_of(response) == [f"Refresh now — {credential}: Refreshed."]
    renewed = reload(credential)
    assert renewed.access_token.reveal() != credential.access_token.reveal()
    assert renewed.refresh_token.reveal() != credential.refresh_token.reveal(), "the rotated token is kept"
    (event,) = events(credential, "refresh")
    assert (event.outcome, event.actor) == ("ok", "scoped")
    (entry,) = history(credential)
    assert entry.startswith("Refresh now: Refreshed. Changed Access token, Refresh token, Token expiry")
    assert credential.access_token.reveal() not in entry

    page = html(staff_client.get(url(type(credential), "change", credential.pk)))
    assert 'class="token-events"' in page and "<td>Refresh</td><td>Succeeded</td>" in page


def test_refresh_now_waits_for_a_worker_holding_the_lease(staff_client, connected, emulated_platforms):
    credential = connected("reddit")
    assert claim(connection.database[credential._meta.db_table], credential.credential_id, "a-worker", 30)
    response = staff_client.post(url(Reddit, "refresh_now", credential.pk))
    assert "another worker is renewing it right now" in messages_of(response)[0]
    assert reload(credential).access_token.reveal() == credential.access_token.reveal()
    assert not events(credential, "refresh")


def test_marked_for_re_authentication_the_refresher_leaves_it_for_a_person(staff_client, connected):
    from refresh.worker import Worker

    credential = connected("reddit")
    response = post_action(staff_client, Reddit, "mark_for_reauthentication", [credential])
    assert messages_of(response) == ["Marked for re-authentication 1 Reddit credential."]
    worker = Worker(once=True, poll_seconds=0.1)
    worker.run()
    marked = reload(credential)
    assert worker.renewed == 0 and marked.next_refresh_at is None and not marked.is_authenticated
    assert marked.access_token.reveal() == credential.access_token.reveal(), "not renewed behind staff's back"
    health, detail = health_of(REGISTRY["reddit"], marked, timezone.now())
    assert (health, detail) == (Health.NEEDS_RECONNECT, "marked for re-authentication by scoped")


def test_refresh_now_of_what_cannot_be_renewed_says_why(admin_client, db):
    legacy = FACTORIES["twitter"](customer_id="acme", auth_type="oauth1a", access_token="t", access_token_secret="s")
    response = admin_client.post(url(type(legacy), "refresh_now", legacy.pk))
    assert "OAuth 1.0a tokens do not expire and cannot be renewed" in messages_of(response)[0]
    assert reload(legacy).refresh_lease_holder is None, "the lease is given back"


# Test ----------------------------------------------------------------------------------------


def test_test_says_it_works_then_revoked_with_the_reconnect_link_one_click_away(
    staff_client, connected, emulated_platforms
):
    credential = connected("reddit", token_expiry=timezone.now() + timedelta(hours=1), **REDDIT_ACCOUNT)
    response = staff_client.post(url(Reddit, "test_credential", credential.pk))
    assert messages_of(response) == [
        f"Test — {credential}: Token works: it answers for u/emulated_redditor_one (Reddit)."
    ]
    assert events(credential, "test")[0].outcome == "ok"

    # The customer (or anyone) revokes the access token at Reddit.
    platform = REGISTRY["reddit"]
    client_for(platform, credential).revoke(credential.access_token.reveal(), token_type_hint="access_token")
    response = staff_client.post(url(Reddit, "test_credential", credential.pk))
    assert messages_of(response) == [
        f"Test — {credential}: Token revoked: 401: Unauthorized (HTTP 401); it needs a reconnect."
    ]
    dead = reload(credential)
    assert not dead.is_authenticated and dead.health == Health.NEEDS_RECONNECT
    assert dead.last_error_reason == "a test found the token revoked: 401: Unauthorized (HTTP 401)"
    assert dead.access_token.reveal() == credential.access_token.reveal(), "a test never writes tokens"
    assert health_of(platform, dead, timezone.now())[0] == Health.NEEDS_RECONNECT
    assert [e.outcome for e in events(credential, "test")] == ["dead", "ok"]
    assert history(credential)[0] == (
        "Test: Token revoked. Changed Authenticated, Health, Last error code and Last error reason."
    )

    page = html(staff_client.get(url(Reddit, "change", credential.pk)))
    banner = page.split('id="health-banner"')[1].split("</div>")[0]
    assert "Needs reconnect" in banner and "a test found the token revoked" in banner
    assert f'href="{url(Reddit, "connect_link", credential.pk)}" class="button connect-link-prominent"' in banner

    # Its refresh token still works: a renewal clears the verdict.
    staff_client.post(url(Reddit, "refresh_now", credential.pk))
    recovered = reload(credential)
    assert recovered.is_authenticated and recovered.health == Health.WORKING
    assert 'id="health-banner"' not in html(staff_client.get(url(Reddit, "change", credential.pk)))


def test_a_test_that_times_out_changes_nothing(staff_client, connected, emulated_platforms, settings):
    credential = connected("youtube", token_expiry=timezone.now() + timedelta(hours=1))
    settings.OAUTH_TIMEOUT_SECONDS = 0.2
    emulated_platforms.set_latency(0.6)
    try:
        response = staff_client.post(url(YouTube, "test_credential", credential.pk))
    finally:
        emulated_platforms.set_latency(0)
    assert "Could not test: timed out" in messages_of(response)[0]
    after = reload(credential)
    assert after.is_authenticated and after.health == credential.health and after.last_error_code is None
    assert events(credential, "test")[0].outcome == "transient"


@pytest.mark.parametrize("platform_key", list(REGISTRY))
def test_test_and_disconnect_on_every_platform(platform_key, staff_client, connected, emulated_platforms):
    """Each platform's identity call answers the test; disconnect revokes where the platform offers a
    revocation and clears the tokens everywhere."""
    platform = REGISTRY[platform_key]
    credential = connected(platform_key, token_expiry=timezone.now() + timedelta(days=30))
    model = type(credential)
    (tested,) = messages_of(staff_client.post(url(model, "test_credential", credential.pk)))
    assert tested.startswith(f"Test — {credential}: Token works: it answers for ")
    assert [event.outcome for event in events(credential, "test")] == ["ok"]

    emulated_platforms.forget_requests(platform_key)
    response = staff_client.post(url(model, "disconnect", credential.pk), {"post": "yes"})
    (said,) = messages_of(response)
    revoked = platform.oauth.revocation_url is not None
    assert said.endswith("revoked at " + platform.label + " and cleared here." if revoked else "settings.")
    assert bool(emulated_platforms.requests_seen(platform_key)) == revoked, "revoked at the platform, if it can"
    cleared = reload(credential)
    assert cleared.access_token is None and cleared.refresh_token is None and not cleared.is_authenticated
    assert cleared.health == Health.NO_TOKEN and events(credential, "disconnect")[0].outcome == "ok"


@pytest.fixture
def oauth1_credential(db, emulated_platforms):
    """An X credential of a legacy OAuth 1.0a app holding an access token and secret the emulator issued."""
    from oauth.app_credentials import app_credentials
    from oauth.oauth1_client import OAuth1Client

    platform = REGISTRY["twitter"]
    client = OAuth1Client.of(platform, app_credentials(platform, oauth1=True))
    request_token, request_secret = client.request_token("http://testserver/connect/callback/twitter/")
    callback = emulated_platforms.consent_oauth1(client.authorization_url(request_token))
    verifier = dict(parse_qsl(urlsplit(callback).query))["oauth_verifier"]
    answer = client.access_token(request_token, request_secret, verifier)
    return FACTORIES["twitter"](
        customer_id="acme", auth_type="oauth1a", client_id=None, client_secret=None, api_key=None, api_secret=None,
        access_token=answer["oauth_token"], access_token_secret=answer["oauth_token_secret"],
        user_id=answer["user_id"], username=answer["screen_name"], token_expiry=None, refresh_token=None,
    )  # fmt: skip


def test_an_oauth1_credential_is_tested_and_revoked_with_signed_calls(staff_client, oauth1_credential):
    credential, model = oauth1_credential, type(oauth1_credential)
    (said,) = messages_of(staff_client.post(url(model, "test_credential", credential.pk)))
    assert said == f"Test — {credential}: Token works: it answers for @{credential.username} (X)."

    response = staff_client.post(url(model, "disconnect", credential.pk), {"post": "yes"})
    assert messages_of(response) == [f"Disconnect — {credential}: Disconnected: revoked at Twitter/X and cleared here."]
    assert reload(credential).access_token is None and reload(credential).access_token_secret is None

    # Revoked for real: the old token no longer answers X's identity call.
    revoked = FACTORIES["twitter"](
        customer_id="acme", auth_type="oauth1a", client_id=None, client_secret=None, api_key=None, api_secret=None,
        access_token=credential.access_token.reveal(), access_token_secret=credential.access_token_secret.reveal(),
        user_id=credential.user_id, username=credential.username, token_expiry=None, refresh_token=None,
    )  # fmt: skip
    (said,) = messages_of(staff_client.post(url(model, "test_credential", revoked.pk)))
    assert said.startswith(f"Test — {revoked}: Token revoked: ") and said.endswith("it needs a reconnect.")
    assert not reload(revoked).is_authenticated and reload(revoked).health == Health.NEEDS_RECONNECT


# Disconnect ----------------------------------------------------------------------------------


def test_disconnect_asks_first_then_revokes_at_the_platform_and_clears(staff_client, connected, emulated_platforms):
    credential = connected("youtube", token_expiry=timezone.now() + timedelta(hours=1))
    refresh_token = credential.refresh_token.reveal()
    emulated_platforms.forget_requests("youtube")

    page = html(staff_client.get(url(YouTube, "disconnect", credential.pk)))
    assert "Yes, disconnect" in page and "The grant is revoked at YouTube" in page
    assert reload(credential).access_token is not None and not emulated_platforms.requests_seen("youtube")

    response = staff_client.post(url(YouTube, "disconnect", credential.pk), {"post": "yes"})
    assert response.status_code == 302
    assert messages_of(response) == [f"Disconnect — {credential}: Disconnected: revoked at YouTube and cleared here."]
    (revocation,) = emulated_platforms.requests_seen("youtube")
    assert revocation["path"] == "/revoke"
    assert refresh_token in (revocation["query"].get("token"), revocation["form"].get("token"))
    cleared = reload(credential)
    assert cleared.access_token is None and cleared.refresh_token is None and cleared.token_expiry is None
    assert cleared.next_refresh_at is None and not cleared.is_authenticated and cleared.health == Health.NO_TOKEN
    (event,) = events(credential, "disconnect")
    assert (event.outcome, event.actor) == ("ok", "scoped")
    (entry,) = history(credential)
    assert entry.startswith("Disconnect: Disconnected. Changed Access token, Refresh token, Token expiry")
    # Revoked for real: the spent grant refreshes no more.
    with pytest.raises(OAuthFailure, match="invalid_grant"):
        client_for(REGISTRY["youtube"], credential).refresh(refresh_token)


def test_disconnect_where_the_platform_cannot_revoke_clears_every_token(admin_client, connected, emulated_platforms):
    credential = connected("facebook", account_type="page", page_id="p1", page_access_token="page-token")
    response = admin_client.post(url(type(credential), "disconnect", credential.pk), {"post": "yes"})
    assert (
        "tokens cleared here; Facebook's only revocation would remove the app from the person's whole account"
        in (messages_of(response)[0])
    )
    cleared = reload(credential)
    assert cleared.access_token is None and cleared.page_access_token is None and cleared.health == Health.NO_TOKEN


# Bulk actions --------------------------------------------------------------------------------


def test_bulk_test_and_disconnect(staff_client, connected, emulated_platforms):
    first, second = (connected("reddit", account=n, token_expiry=timezone.now() + timedelta(hours=1)) for n in (0, 1))
    response = post_action(staff_client, Reddit, "test_selected", [first, second])
    assert messages_of(response) == ["Test, 2 Reddit credentials: Token works: 2."]
    assert len(events(first, "test")) == len(events(second, "test")) == 1
    assert history(first) == history(second) == ["Test: Token works. Changed Health."]

    confirm = html(post_action(staff_client, Reddit, "disconnect_selected", [first, second]))
    assert "Yes, disconnect" in confirm and 'name="action" value="disconnect_selected"' in confirm
    assert reload(first).access_token is not None
    response = post_action(staff_client, Reddit, "disconnect_selected", [first, second], post="yes")
    assert messages_of(response) == ["Disconnect, 2 Reddit credentials: Disconnected: 2."]
    assert not Reddit.objects.filter(access_token__isnull=False).exists()


def test_bulk_actions_are_bounded(staff_client, db):
    many = FACTORIES["reddit"].create_batch(101, customer_id="acme", access_token="t", refresh_token="r")
    response = post_action(staff_client, Reddit, "refresh_selected", many)
    assert messages_of(response) == [
        "Refresh now calls the platform once per credential: select at most 100; nothing was done."
    ]
    assert not TokenEvent.objects.exists() and not LogEntry.objects.exists()


# Tenants and permissions ---------------------------------------------------------------------


def test_another_tenants_credential_is_404_for_every_action(staff_client, db):
    theirs = FACTORIES["reddit"](customer_id="initech", access_token="t", refresh_token="r")
    for method in ("refresh_now", "test_credential", "disconnect"):
        assert staff_client.get(url(Reddit, method, theirs.pk)).status_code == 404
        assert staff_client.post(url(Reddit, method, theirs.pk), {"post": "yes"}).status_code == 404
    for action in ("refresh_selected", "test_selected", "disconnect_selected"):
        post_action(staff_client, Reddit, action, [theirs], post="yes")
    assert reload(theirs).access_token is not None and not TokenEvent.objects.exists()


def test_a_viewer_sees_health_but_cannot_act(client, verified_login, db):
    viewer = User.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_redditcredential"))
    TenantAccess.objects.create(user=viewer, customer_ids=["acme"])
    verified_login(client, viewer)
    mine = FACTORIES["reddit"](customer_id="acme", access_token="t", refresh_token="r")
    page = html(client.get(url(Reddit, "change", mine.pk)))
    assert "field-health_verdict" in page and 'id="refresh-now"' not in page and 'id="disconnect"' not in page
    for method in ("refresh_now", "test_credential", "disconnect"):
        assert client.post(url(Reddit, method, mine.pk), {"post": "yes"}).status_code == 403
    assert "refresh_selected" not in html(client.get(url(Reddit, "changelist")))
    post_action(client, Reddit, "disconnect_selected", [mine], post="yes")
    assert reload(mine).access_token is not None and not TokenEvent.objects.exists()


def test_the_buttons_need_the_pages_csrf_token(admin_user, verified_login, db):
    from django.test import Client

    browser = verified_login(Client(enforce_csrf_checks=True), admin_user)
    credential = FACTORIES["reddit"](customer_id="acme", access_token="t", refresh_token="r")
    for method in ("refresh_now", "test_credential", "disconnect"):
        assert browser.post(url(Reddit, method, credential.pk), {"post": "yes"}).status_code == 403
    page = html(browser.get(url(Reddit, "change", credential.pk)))
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # the buttons' forms, and the page's own
    assert reload(credential).access_token is not None and not TokenEvent.objects.exists()


# token_health --------------------------------------------------------------------------------


def test_token_health_counts_and_fails_when_refreshes_are_overdue(manage, mongo_db):
    now = timezone.now()
    posting = list(REGISTRY["youtube"].token_facts.post_scopes)
    make = FACTORIES["youtube"]
    make(access_token="a", refresh_token="r", scopes=posting, token_expiry=now + timedelta(hours=1))
    make(access_token=None)
    late = make(access_token="a", refresh_token="r", scopes=posting, token_expiry=now + timedelta(hours=1))

    healthy = manage("token_health", database=mongo_db.name)
    assert healthy.returncode == 0 and healthy.stderr == "", healthy.stderr
    header, *rows = healthy.stdout.splitlines()
    assert header.split()[:4] == ["platform", "total", "working", "refresh"]
    assert [row.split()[0] for row in rows] == [p.label.split()[0] for p in REGISTRY.values()]
    total_ends = header.index("total") + len("total")
    assert all(row[total_ends - 1].isdigit() and row[total_ends] == " " for row in rows), "counts aligned"
    youtube = next(row for row in rows if row.startswith("YouTube"))
    assert youtube.split()[:3] == ["YouTube", "3", "2"] and youtube.endswith("-")

    YouTube.objects.filter(pk=late.pk).update(next_refresh_at=now - timedelta(hours=2))
    overdue = manage("token_health", database=mongo_db.name)
    assert overdue.returncode == 1
    (line,) = overdue.stderr.splitlines()
    assert line.startswith("CommandError: 1 refresh(es) overdue by more than 60 minutes; the oldest (YouTube) is ")
    youtube = next(row for row in overdue.stdout.splitlines() if row.startswith("YouTube"))
    assert youtube.split()[:5] == ["YouTube", "3", "1", "1", "0"]  # total, working, refresh due, retrying
    assert youtube.endswith(("(2 h 0 min late)", "(1 h 59 min late)"))
    assert manage("token_health", "--threshold-minutes", "180", database=mongo_db.name).returncode == 0
    refused = manage("token_health", "--overdue-minutes", "nan", database=mongo_db.name)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
