"""Connecting accounts through links, end to end over HTTP: the console's public pages, the
platform emulator (devtools/oauth_emulator) on loopback, and the database."""

import logging
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.test import Client
from django.utils import timezone

from connect.links import create_link
from connect.models import ConnectFlow, ConnectLink
from credentials.platforms import REGISTRY
from refresh.models import TokenEvent
from tests.factories import FACTORIES

# What identifies the connected account on each platform's credential.
IDENTITY = {
    "youtube": ("channel_id", "channel_name"),
    "instagram": ("instagram_user_id", "instagram_username", "facebook_page_id"),
    "tiktok": ("open_id",),
    "twitter": ("user_id", "username"),
    "linkedin": ("person_id",),
    "facebook": ("page_id", "user_id", "page_access_token"),
    "reddit": ("user_id", "username"),
}


class CustomerBrowser:
    """The customer's browser: the console's pages through Django's test client, the
    platform's consent page through the emulator (a real HTTP server)."""

    def __init__(self, emulator):
        self.client = Client()
        self.emulator = emulator

    def open(self, link_url):
        return self.client.get(urlsplit(link_url).path)

    def go_to_platform(self, link_url):
        response = self.client.post(urlsplit(link_url).path)
        assert response.status_code == 302, response.content.decode()[:500]
        return response["Location"]

    def consent(self, authorize_url, **consent):
        if "oauth_token=" in authorize_url:
            return self.emulator.consent_oauth1(authorize_url, **consent)
        return self.emulator.consent(authorize_url, **consent)

    def come_back(self, callback_url):
        parts = urlsplit(callback_url)
        assert f"{parts.scheme}://{parts.netloc}" == "http://testserver", callback_url
        return self.client.get(parts.path, dict(parse_qsl(parts.query)))

    def connect(self, link_url, *, choose=0, **consent):
        response = self.come_back(self.consent(self.go_to_platform(link_url), **consent))
        if response.status_code == 302 and "/connect/choose/" in response["Location"]:
            response = self.client.post(response["Location"], {"account": choose})
        return response


@pytest.fixture
def customer(emulated_platforms):
    return CustomerBrowser(emulated_platforms)


@pytest.fixture
def make_link(staff_user, emulated_platforms):
    def make(platform_key, customer_id="acme", credential=None, **options):
        return create_link(
            platform=REGISTRY[platform_key],
            customer_id=customer_id,
            credential=credential,
            created_by=staff_user,
            **options,
        )

    return make


def reload(credential):
    return type(credential).objects.get(pk=credential.pk)


def stored(mongo_db, credential):
    """The raw document, as other services read it."""
    return mongo_db[credential._meta.db_table].find_one({"credential_id": credential.credential_id})


def text(response):
    return response.content.decode()


# --- A new credential on each platform ---------------------------------------------------


@pytest.mark.parametrize("platform_key", sorted(REGISTRY))
def test_a_link_connects_a_new_credential_with_its_identity_and_tokens(
    platform_key, customer, make_link, staff_user, mongo_db
):
    link, url = make_link(platform_key)
    page = customer.open(url)
    assert page.status_code == 200
    assert f"Connect your {REGISTRY[platform_key].label} account" in text(page)

    done = customer.connect(url)

    assert done.status_code == 200, text(done)
    assert "Connected" in text(done)
    model = REGISTRY[platform_key].model
    credential = model.objects.get(customer_id="acme")
    for name in IDENTITY[platform_key]:
        assert getattr(credential, name), name
    assert credential.access_token.reveal()
    assert credential.is_authenticated and credential.is_active
    assert credential.last_token_refresh is not None
    assert credential.scopes, "scopes as granted"
    assert credential.updated_by == f"connect link {link.pk} (sent by {staff_user.username})"
    document = stored(mongo_db, credential)
    assert document["access_token"].startswith("enc:v2:")
    assert credential.access_token.reveal() not in text(done)
    entry = LogEntry.objects.get(object_id=str(credential.pk))
    assert entry.action_flag == ADDITION and entry.user_id == staff_user.pk
    link.refresh_from_db()
    assert link.status() == "used" and link.connected_credential_id == credential.credential_id


def test_token_expiry_and_granted_scopes_come_from_the_answer(customer, make_link):
    _link, url = make_link("youtube")
    before = timezone.now()
    customer.connect(url, scopes=["https://www.googleapis.com/auth/youtube.readonly"])
    credential = REGISTRY["youtube"].model.objects.get(customer_id="acme")
    assert credential.scopes == ["https://www.googleapis.com/auth/youtube.readonly"]
    assert before + timedelta(minutes=55) < credential.token_expiry < timezone.now() + timedelta(minutes=61)
    assert credential.refresh_token.reveal()


def test_a_scope_withheld_saves_but_shows_what_posting_lacks(customer, make_link):
    _link, url = make_link("reddit")
    done = customer.connect(url, scopes=["identity"])
    assert done.status_code == 200
    assert "were not allowed: submit" in text(done)
    credential = REGISTRY["reddit"].model.objects.get(customer_id="acme")
    assert credential.scopes == ["identity"]
    assert REGISTRY["reddit"].missing_scopes(credential) == ["submit"]


def test_tiktok_keeps_the_refresh_tokens_own_expiry(customer, make_link):
    _link, url = make_link("tiktok")
    customer.connect(url)
    credential = REGISTRY["tiktok"].model.objects.get(customer_id="acme")
    assert credential.refresh_token_expiry > timezone.now() + timedelta(days=100)
    assert credential.refresh_token.reveal()


# --- Each platform's token request, as the emulator saw it ---------------------------------


def test_x_sends_pkce_and_http_basic(customer, make_link, emulated_platforms):
    _link, url = make_link("twitter")
    customer.connect(url)
    request = emulated_platforms.requests_seen("twitter")[-1]
    assert request["headers"]["Authorization"].startswith("Basic ")
    assert request["form"]["code_verifier"] and request["form"]["grant_type"] == "authorization_code"
    assert "client_secret" not in request["form"]


def test_tiktok_names_its_client_key_and_sends_pkce(customer, make_link, emulated_platforms):
    _link, url = make_link("tiktok")
    customer.connect(url)
    form = emulated_platforms.requests_seen("tiktok")[-1]["form"]
    assert form["client_key"] == "emulator-tiktok" and "client_id" not in form
    assert form["code_verifier"]


def test_facebook_exchanges_for_a_long_lived_token_and_takes_the_chosen_page(customer, make_link, emulated_platforms):
    _link, url = make_link("facebook")
    earlier = len(emulated_platforms.requests_seen("facebook"))
    authorize = customer.go_to_platform(url)
    choice = customer.come_back(customer.consent(authorize))
    assert choice.status_code == 302
    page = customer.client.get(choice["Location"])
    pages = [p for p in emulated_platforms.accounts("facebook")[0]["pages"]]
    for listed in pages:
        assert listed["name"] in text(page)
    assert not REGISTRY["facebook"].model.objects.exists(), "nothing is saved before the choice"

    done = customer.client.post(choice["Location"], {"account": 1})

    assert done.status_code == 200 and pages[1]["name"] in text(done)
    credential = REGISTRY["facebook"].model.objects.get(customer_id="acme")
    assert credential.page_id == pages[1]["id"] and credential.account_type == "page"
    assert credential.token_expiry > timezone.now() + timedelta(days=50), "the long-lived user token"
    grants = [r for r in emulated_platforms.requests_seen("facebook")[earlier:] if r["query"].get("grant_type")]
    assert [r["method"] for r in grants] == ["GET", "GET"]
    assert grants[-1]["query"]["grant_type"] == "fb_exchange_token"
    assert set(REGISTRY["facebook"].oauth.scopes) <= set(credential.scopes), "as /me/permissions lists them"
    # The choice is spent with the link.
    again = customer.client.post(choice["Location"], {"account": 0})
    assert again.status_code == 400 and "already" in text(again)


def test_linkedin_offers_the_member_and_the_organizations_they_administer(customer, make_link, emulated_platforms):
    _link, url = make_link("linkedin")
    choice = customer.come_back(customer.consent(customer.go_to_platform(url)))
    labels = text(customer.client.get(choice["Location"]))
    assert "(LinkedIn member)" in labels and labels.count("(LinkedIn organization)") == 2
    customer.client.post(choice["Location"], {"account": 1})
    credential = REGISTRY["linkedin"].model.objects.get(customer_id="acme")
    assert credential.post_as == "organization" and credential.organization_id and credential.person_id


def test_instagram_finds_the_business_account_behind_a_page(customer, make_link):
    _link, url = make_link("instagram")
    customer.connect(url)
    credential = REGISTRY["instagram"].model.objects.get(customer_id="acme")
    assert credential.instagram_username and credential.facebook_page_id
    credential.full_clean()


# --- Reconnecting ----------------------------------------------------------------------


def connected(customer, make_link, platform_key, **consent):
    _link, url = make_link(platform_key)
    customer.connect(url, **consent)
    return REGISTRY[platform_key].model.objects.get(customer_id="acme")


def test_reconnect_keeps_the_credential_and_its_refresh_token_when_none_comes(customer, make_link, emulated_platforms):
    credential = connected(customer, make_link, "reddit")
    first_refresh = credential.refresh_token.reveal()
    first_access = credential.access_token.reveal()
    emulated_platforms.omit_refresh_token("reddit")
    try:
        _link, url = make_link("reddit", credential=credential)
        done = CustomerBrowser(emulated_platforms).connect(url)
    finally:
        emulated_platforms.omit_refresh_token("reddit", on=False)
    assert done.status_code == 200 and "renewed" in text(done)
    again = reload(credential)
    assert again.credential_id == credential.credential_id
    assert again.refresh_token.reveal() == first_refresh
    assert again.access_token.reveal() != first_access
    assert REGISTRY["reddit"].model.objects.count() == 1
    entry = LogEntry.objects.filter(object_id=str(credential.pk), action_flag=CHANGE).get()
    assert "Access token" in entry.get_change_message()
    # The token events, which the credential's page lists, tell of both connections.
    events = TokenEvent.objects.filter(credential_id=credential.credential_id, action="connect")
    assert [event.reason.split(" through")[0] for event in events] == [
        "reconnected u/emulated_redditor_one (Reddit)",
        "connected u/emulated_redditor_one (Reddit)",
    ]
    assert {event.outcome for event in events} == {"ok"} and events[0].actor.startswith("connect link ")


def test_reconnect_with_another_account_is_refused_unless_the_link_allows_it(customer, make_link, emulated_platforms):
    credential = connected(customer, make_link, "youtube")
    other = emulated_platforms.accounts("youtube")[1]
    _link, url = make_link("youtube", credential=credential)
    refused = CustomerBrowser(emulated_platforms).connect(url, account=other["id"])
    assert refused.status_code == 409 and "different account" in text(refused)
    assert reload(credential).channel_id == credential.channel_id
    assert ConnectLink.objects.get(pk=_link.pk).status() == "open", "a refused connection spends nothing"

    _link, url = make_link("youtube", credential=credential, allow_other_account=True)
    CustomerBrowser(emulated_platforms).connect(url, account=other["id"])
    assert reload(credential).channel_id != credential.channel_id


def test_connecting_an_account_the_tenant_already_holds_reconnects_it(customer, make_link, emulated_platforms):
    credential = connected(customer, make_link, "tiktok")
    _link, url = make_link("tiktok")
    done = CustomerBrowser(emulated_platforms).connect(url)
    assert "already connected for you" in text(done)
    assert REGISTRY["tiktok"].model.objects.count() == 1
    assert ConnectLink.objects.get(pk=_link.pk).connected_credential_id == credential.credential_id


def test_another_tenant_holding_the_same_account_is_not_touched(customer, make_link):
    theirs = FACTORIES["tiktok"](customer_id="globex", open_id=None)
    _link, url = make_link("tiktok", customer_id="acme")
    customer.connect(url)
    assert reload(theirs).open_id is None
    assert REGISTRY["tiktok"].model.objects.filter(customer_id="acme").count() == 1


def test_x_legacy_apps_reconnect_through_oauth_1a(customer, make_link):
    from devtools.oauth_emulator import OAUTH1_CONSUMER

    key, secret = OAUTH1_CONSUMER
    credential = FACTORIES["twitter"](
        customer_id="acme", auth_type="oauth1a", client_id=None, client_secret=None, api_key=key, api_secret=secret
    )
    link, url = make_link("twitter", credential=credential, allow_other_account=True)
    assert link.protocol == "oauth1"
    done = customer.connect(url)
    assert done.status_code == 200, text(done)
    again = reload(credential)
    assert again.access_token.reveal() and again.access_token_secret.reveal()
    assert again.auth_type == "oauth1a" and again.user_id and again.token_expiry is None
    again.full_clean()


# --- Refusals: each shows a clear page, changes nothing, and logs no secret ---------------


def test_a_denied_consent_changes_nothing(customer, make_link):
    link, url = make_link("youtube")
    response = customer.connect(url, allow=False)
    assert response.status_code == 400 and "did not allow" in text(response)
    assert not REGISTRY["youtube"].model.objects.exists()
    assert ConnectLink.objects.get(pk=link.pk).status() == "open"


def test_a_callback_without_state_or_with_an_unknown_one_is_refused(customer, make_link):
    for query in ({"code": "x"}, {"code": "x", "state": "made-up"}):
        response = customer.client.get("/connect/callback/youtube/", query)
        assert response.status_code == 400 and "start over" in text(response)


def test_a_state_is_single_use(customer, make_link):
    _link, url = make_link("reddit")
    callback = customer.consent(customer.go_to_platform(url))
    assert customer.come_back(callback).status_code == 200
    replay = customer.come_back(callback)
    assert replay.status_code == 400 and "already used" in text(replay)


def test_an_expired_state_is_refused(customer, make_link):
    _link, url = make_link("reddit")
    callback = customer.consent(customer.go_to_platform(url))
    ConnectFlow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = customer.come_back(callback)
    assert response.status_code == 400 and "took too long" in text(response)
    assert not REGISTRY["reddit"].model.objects.exists()


@pytest.mark.parametrize(
    "spoil, words",
    [
        (lambda link: link.__class__.objects.filter(pk=link.pk).update(revoked_at=timezone.now()), "withdrawn"),
        (lambda link: link.__class__.objects.filter(pk=link.pk).update(expires_at=timezone.now()), "expired"),
        (lambda link: link.__class__.objects.filter(pk=link.pk).update(spent_at=timezone.now()), "already used"),
    ],
)
def test_a_spent_revoked_or_expired_link_shows_why(customer, make_link, spoil, words):
    link, url = make_link("youtube")
    spoil(link)
    page = customer.open(url)
    assert page.status_code == 410 and words in text(page)
    assert customer.client.post(urlsplit(url).path).status_code == 410


def test_a_link_revoked_while_the_customer_is_on_the_platform_connects_nothing(customer, make_link):
    link, url = make_link("youtube")
    callback = customer.consent(customer.go_to_platform(url))
    ConnectLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    response = customer.come_back(callback)
    assert response.status_code == 410 and "withdrawn" in text(response)
    assert not REGISTRY["youtube"].model.objects.exists()


def test_an_unknown_link_is_a_plain_not_found(customer):
    response = customer.client.get("/connect/not-a-real-token/")
    assert response.status_code == 404 and "not valid" in text(response)


def test_a_failed_code_exchange_shows_the_platforms_reason(customer, make_link, emulated_platforms):
    link, url = make_link("tiktok")
    callback = customer.consent(customer.go_to_platform(url))
    emulated_platforms.fail_next(
        "tiktok", 400, {"error": "invalid_grant", "error_description": "Code expired", "log_id": "x"}
    )
    response = customer.come_back(callback)
    assert response.status_code == 502 and "invalid_grant: Code expired" in text(response)
    assert not REGISTRY["tiktok"].model.objects.exists()
    assert ConnectLink.objects.get(pk=link.pk).status() == "open"


def test_an_attackers_callback_with_another_links_state_is_refused(customer, make_link, emulated_platforms):
    # The attacker starts a flow on their own link, approves with their own account, and makes
    # the victim's browser open the callback: the state is bound to the attacker's browser.
    victims = connected(customer, make_link, "youtube")
    attacker = CustomerBrowser(emulated_platforms)
    _link, url = make_link("youtube", customer_id="globex")
    callback = attacker.consent(attacker.go_to_platform(url), account=emulated_platforms.accounts("youtube")[1]["id"])
    response = customer.come_back(callback)
    assert response.status_code == 403 and "another browser" in text(response)
    assert not REGISTRY["youtube"].model.objects.filter(customer_id="globex").exists()
    assert reload(victims).channel_id == victims.channel_id


def test_a_state_brought_to_another_platforms_callback_is_refused(customer, make_link):
    _link, url = make_link("reddit")
    callback = customer.consent(customer.go_to_platform(url))
    query = dict(parse_qsl(urlsplit(callback).query))
    response = customer.client.get("/connect/callback/youtube/", query)
    assert response.status_code == 400
    assert not REGISTRY["youtube"].model.objects.exists() and not REGISTRY["reddit"].model.objects.exists()


def test_the_pages_are_not_cached_and_leak_no_referrer(customer, make_link):
    _link, url = make_link("youtube")
    page = customer.open(url)
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"


def test_nothing_secret_reaches_the_log_or_the_database_in_clear(customer, make_link, caplog, mongo_db):
    caplog.set_level(logging.DEBUG)
    link, url = make_link("twitter")
    raw_token = urlsplit(url).path.split("/")[2]
    callback = customer.consent(customer.go_to_platform(url))
    query = dict(parse_qsl(urlsplit(callback).query))
    customer.come_back(callback)
    credential = REGISTRY["twitter"].model.objects.get(customer_id="acme")
    secrets = [
        raw_token,
        query["code"],
        query["state"],
        credential.access_token.reveal(),
        credential.refresh_token.reveal(),
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in secrets:
        assert secret not in logged
    for collection in ("connect_links", "connect_flows"):
        dump = str(list(mongo_db[collection].find()))
        for secret in secrets:
            assert secret not in dump


def test_a_public_url_without_https_is_a_deploy_warning(manage, mongo_db):
    env = {
        "DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "console.example.com", "TRUSTED_PROXY_COUNT": "1",
        "CONSOLE_PUBLIC_URL": "http://console.example.com",
    }  # fmt: skip
    result = manage("check", "--deploy", database=mongo_db.name, env=env)
    assert "connect.W001" in result.stderr + result.stdout


def test_abandoned_flows_and_their_sealed_tokens_are_cleared(customer, make_link):
    _link, url = make_link("facebook")
    choice = customer.come_back(customer.consent(customer.go_to_platform(url)))
    assert choice.status_code == 302 and ConnectFlow.objects.exclude(sealed_grant=None).count() == 1
    ConnectFlow.objects.update(expires_at=timezone.now() - timedelta(days=2))
    _link, url = make_link("youtube")
    customer.go_to_platform(url)
    assert ConnectFlow.objects.count() == 1 and not ConnectFlow.objects.exclude(sealed_grant=None).exists()


def test_x_legacy_credentials_without_their_own_app_use_the_default_legacy_app(customer, make_link):
    credential = FACTORIES["twitter"](customer_id="acme", auth_type="oauth1a", client_id=None, client_secret=None)
    link, url = make_link("twitter", credential=credential, allow_other_account=True)
    assert link.protocol == "oauth1" and link.app_client_id == "emulator-twitter-oauth1"
    assert customer.connect(url).status_code == 200
    assert reload(credential).access_token_secret.reveal()


# --- Whose account: reconnects and duplicates are judged on the whole identity --------------


def linkedin_choice(customer, url, label_part):
    choice = customer.come_back(customer.consent(customer.go_to_platform(url), account=customer.account))
    labels = customer.client.get(choice["Location"]).context["labels"]
    index = next(n for n, label in enumerate(labels) if label_part in label)
    return customer.client.post(choice["Location"], {"account": index})


def test_a_member_reconnecting_someone_elses_linkedin_credential_is_refused_even_as_an_organization(
    make_link, emulated_platforms
):
    member_one, member_two = emulated_platforms.accounts("linkedin")
    credential = FACTORIES["linkedin"](customer_id="acme", person_id=member_two["sub"], post_as="person", scopes=[])
    _link, url = make_link("linkedin", credential=credential)
    browser = CustomerBrowser(emulated_platforms)
    browser.account = member_one["sub"]
    refused = linkedin_choice(browser, url, "(LinkedIn organization)")
    assert refused.status_code == 409
    assert reload(credential).person_id == member_two["sub"] and reload(credential).post_as == "person"


def test_a_member_connecting_as_a_person_does_not_take_over_the_tenants_organization_credential(
    make_link, emulated_platforms
):
    member = emulated_platforms.accounts("linkedin")[0]
    organization = FACTORIES["linkedin"](
        customer_id="acme", person_id=member["sub"], organization_id="90000001", post_as="organization"
    )
    _link, url = make_link("linkedin")
    browser = CustomerBrowser(emulated_platforms)
    browser.account = member["sub"]
    assert linkedin_choice(browser, url, "(LinkedIn member)").status_code == 200
    assert reload(organization).post_as == "organization" and reload(organization).organization_id == "90000001"
    assert REGISTRY["linkedin"].model.objects.filter(customer_id="acme").count() == 2


def test_a_credential_known_only_by_username_refuses_another_account(customer, make_link, emulated_platforms):
    credential = FACTORIES["twitter"](
        customer_id="acme", username="someone_else", user_id=None, client_id=None, client_secret=None
    )
    _link, url = make_link("twitter", credential=credential)
    refused = customer.connect(url)
    assert refused.status_code == 409
    assert reload(credential).username == "someone_else"


def test_a_reconnect_link_whose_credential_left_the_tenant_connects_nothing(customer, make_link):
    credential = FACTORIES["facebook"](customer_id="acme", page_id=None, user_id=None, account_type=None)
    _link, url = make_link("facebook", credential=credential)
    choice = customer.come_back(customer.consent(customer.go_to_platform(url)))
    type(credential).objects.filter(pk=credential.pk).update(customer_id="globex")
    refused = customer.client.post(choice["Location"], {"account": 0})
    assert refused.status_code == 400 and "cannot be used any more" in text(refused)
    assert not REGISTRY["facebook"].model.objects.filter(customer_id="acme").exists()
    assert customer.open(url).status_code == 400, "the link's page says so too"


def test_an_account_held_through_another_app_is_not_reconnected_with_the_default_apps_tokens(customer, make_link):
    account = customer.emulator.accounts("twitter")[0]
    holder = FACTORIES["twitter"](
        customer_id="acme", user_id=account["id"], client_id="customers-own-app", client_secret="own-secret"
    )
    _link, url = make_link("twitter")
    refused = customer.connect(url)
    assert refused.status_code == 409 and "through another Twitter/X app" in text(refused)
    assert reload(holder).client_id == "customers-own-app"
    assert REGISTRY["twitter"].model.objects.count() == 1


# --- Nothing secret in logs, cookies a sibling site cannot plant ----------------------------


def test_django_logs_failed_link_pages_without_the_links_secret(customer, make_link, caplog):
    link, url = make_link("youtube")
    ConnectLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    raw_token = urlsplit(url).path.split("/")[2]
    with caplog.at_level(logging.INFO):
        assert customer.open(url).status_code == 410
    assert any("/connect/<link>/" in record.getMessage() for record in caplog.records)
    assert raw_token not in caplog.text


def test_in_production_the_browser_cookie_is_host_only(customer, make_link, settings):
    settings.DEBUG = False
    _link, url = make_link("youtube")
    response = customer.client.post(urlsplit(url).path)
    cookie = response.cookies["__Host-connect_browser"]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/" and cookie["samesite"] == "Lax"


def test_origin_overrides_must_name_origins_and_urls(manage, mongo_db):
    for overrides, words in (
        ('{"https://api.x.com/": "http://127.0.0.1:9100/api.x.com"}', "is not an origin"),
        ('{"https://api.x.com": "ftp://elsewhere"}', "is not an http(s) URL"),
    ):
        result = manage("check", database=mongo_db.name, env={"OAUTH_ORIGIN_OVERRIDES": overrides})
        assert result.returncode != 0 and words in result.stderr and "Traceback" not in result.stderr


def test_a_first_connection_is_not_called_a_renewal_and_history_names_only_what_moved(customer, make_link):
    empty = REGISTRY["youtube"].model.objects.create(name="Acme channel", customer_id="acme")
    _link, url = make_link("youtube", credential=empty)
    done = customer.connect(url)
    assert "Connected" in text(done) and "renewed" not in text(done)

    _link, url = make_link("youtube", credential=empty)
    assert "renewed" in text(CustomerBrowser(customer.emulator).connect(url))
    latest = LogEntry.objects.filter(object_id=str(empty.pk)).order_by("-action_time").first()
    message = latest.get_change_message()
    assert "Access token" in message and "Token expiry" in message
    assert "Channel id" not in message and "Channel name" not in message, message


def test_the_request_log_line_of_a_callback_hides_its_code_and_state():
    from connect.log_filters import MaskConnectLinks

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /connect/callback/x/?code=C0DE&state=ST4TE HTTP/1.1", 409),
        None,
    )
    MaskConnectLinks().filter(record)
    assert record.getMessage() == '"GET /connect/callback/x/?<query> HTTP/1.1" 409'
