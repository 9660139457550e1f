"""Connect links as staff make and manage them: the credential pages' buttons and action, the links'
list and revoking, tenant isolation, `connect_link`, and the posting scopes a grant lacks."""

import json
import logging
import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from connect.links import create_link
from connect.models import ConnectLink, token_hash
from credentials.platforms import REGISTRY
from tenancy.models import TenantAccess
from tests.admin_pages import html, messages_of, url
from tests.factories import FACTORIES

YouTube = REGISTRY["youtube"].model
LINK_URL = re.compile(r"http://127\.0\.0\.1:8000/connect/([A-Za-z0-9_-]{40,})/")
LINKS = reverse("admin:connect_connectlink_changelist")


def link_urls(page):
    return LINK_URL.findall(page)


@pytest.fixture(autouse=True)
def apps(monkeypatch):
    """Default YouTube and Reddit apps; no TikTok or Twitter/X one, whatever the environment says."""
    monkeypatch.setenv("YOUTUBE_OAUTH_CLIENT_ID", "yt-app")
    monkeypatch.setenv("YOUTUBE_OAUTH_CLIENT_SECRET", "yt-app-secret")
    monkeypatch.setenv("REDDIT_OAUTH_CLIENT_ID", "reddit-app")
    monkeypatch.setenv("REDDIT_OAUTH_CLIENT_SECRET", "reddit-app-secret")
    for variable in ("TIKTOK_OAUTH_CLIENT_ID", "TIKTOK_OAUTH_CLIENT_SECRET"):
        monkeypatch.setenv(variable, "")
    for variable in ("TWITTER_OAUTH_CLIENT_ID", "TWITTER_OAUTH_CLIENT_SECRET"):
        monkeypatch.setenv(variable, "")


@pytest.fixture
def channels(db):
    make = FACTORIES["youtube"]
    return {
        "acme": make(customer_id="acme", name="acme channel"),
        "globex": make(customer_id="globex", name="globex channel"),
        "initech": make(customer_id="initech", name="initech channel"),
    }


def link_for(credential=None, *, customer_id=None, user=None, platform="youtube", **options):
    return create_link(
        platform=REGISTRY[platform],
        customer_id=customer_id or credential.customer_id,
        credential=credential,
        created_by=user,
        **options,
    )


def user_with(client, verified_login, *codenames, tenants=("acme",)):
    user = User.objects.create_user("limited", password="pw-limited-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    TenantAccess.objects.create(user=user, customer_ids=list(tenants))
    return verified_login(client, user)


# Making a link from a credential's page ---------------------------------------------------


def test_reconnect_link_from_the_change_page_is_shown_once_and_stored_hashed(
    staff_client, staff_user, channels, mongo_db, caplog
):
    channel = channels["acme"]
    change_page = html(staff_client.get(url(YouTube, "change", channel.pk)))
    form_url = url(YouTube, "connect_link", channel.pk)
    assert f'href="{form_url}"' in change_page and "Create a connect link" in change_page

    form = html(staff_client.get(form_url))
    assert 'name="hours"' in form and 'value="72"' in form
    assert 'name="allow_other_account"' in form and 'name="tenant"' not in form
    with caplog.at_level(logging.DEBUG):
        made = html(staff_client.post(form_url, {"hours": "24", "allow_other_account": "on"}))
    (raw,) = link_urls(made)
    assert made.count(raw) == 1  # in one read-only input
    assert re.search(r'<input type="text"[^>]*readonly value="http://127.0.0.1:8000/connect/', made)
    assert "Send this link to the customer" in made and "shown only on this" in made

    link = ConnectLink.objects.get()
    assert (link.platform, link.customer_id, link.credential_id) == ("youtube", "acme", channel.credential_id)
    assert link.created_by == staff_user and link.created_by_name == "scoped"
    assert link.allow_other_account is True and link.app_client_id == "yt-app"
    assert abs(link.expires_at - timezone.now() - timedelta(hours=24)) < timedelta(minutes=1)
    assert link.token_hash == token_hash(raw)
    stored = json.dumps(list(mongo_db["connect_links"].find()), default=str)
    assert raw not in stored
    assert raw not in caplog.text
    # Never again: not on the credential's page, nor on the links' pages.
    for page in (
        url(YouTube, "change", channel.pk),
        LINKS,
        reverse("admin:connect_connectlink_change", args=[link.pk]),
    ):
        assert raw not in html(staff_client.get(page))


def test_a_new_account_link_from_the_changelist_for_a_granted_tenant(staff_client, staff_user, channels):
    changelist = html(staff_client.get(url(YouTube, "changelist")))
    form_url = url(YouTube, "connect_new")
    assert f'href="{form_url}"' in changelist and "Connect a new account" in changelist

    form = html(staff_client.get(form_url))
    options = re.findall(r'<option value="([^"]+)"', form)
    assert options == ["acme", "globex"]
    assert 'name="allow_other_account"' not in form

    made = html(staff_client.post(form_url, {"tenant": "globex", "hours": "72"}))
    assert len(link_urls(made)) == 1
    link = ConnectLink.objects.get()
    assert (link.customer_id, link.credential_id, link.created_by) == ("globex", None, staff_user)


def test_a_tenant_not_granted_is_refused_on_the_form(staff_client, channels):
    page = html(staff_client.post(url(YouTube, "connect_new"), {"tenant": "initech", "hours": "72"}))
    assert "You are not granted tenant “initech”." in page
    assert not link_urls(page)
    assert not ConnectLink.objects.exists()


def test_a_superuser_types_any_tenant(admin_client, db):
    form = html(admin_client.get(url(YouTube, "connect_new")))
    assert re.search(r'<input type="text" name="tenant"', form)
    made = html(admin_client.post(url(YouTube, "connect_new"), {"tenant": "hooli", "hours": "1"}))
    assert len(link_urls(made)) == 1
    assert ConnectLink.objects.get().customer_id == "hooli"


def test_another_tenants_credential_is_404_for_its_link_page(staff_client, channels):
    other = url(YouTube, "connect_link", channels["initech"].pk)
    assert staff_client.get(other).status_code == 404
    assert staff_client.post(other, {"hours": "72"}).status_code == 404
    assert staff_client.get(url(YouTube, "connect_link", "not-an-id")).status_code == 404
    assert not ConnectLink.objects.exists()


@pytest.mark.parametrize(
    "hours, error",
    [
        ("0", "A link lasts more than 0 and at most 720 hours."),
        ("-5", "A link lasts more than 0 and at most 720 hours."),
        ("721", "A link lasts more than 0 and at most 720 hours."),
        ("abc", "Enter a number."),
        ("nan", "Enter a number."),
        ("", "This field is required."),
    ],
)
def test_the_expiry_must_be_more_than_0_and_at_most_720_hours(staff_client, channels, hours, error):
    page = html(staff_client.post(url(YouTube, "connect_link", channels["acme"].pk), {"hours": hours}))
    assert error in page
    assert not ConnectLink.objects.exists()


def test_without_an_app_the_form_says_which_variables_to_set(staff_client, db):
    tiktok = FACTORIES["tiktok"](customer_id="acme")
    page = html(staff_client.post(url(type(tiktok), "connect_link", tiktok.pk), {"hours": "72"}))
    assert (
        "No TikTok app is configured: set TIKTOK_OAUTH_CLIENT_ID and TIKTOK_OAUTH_CLIENT_SECRET, "
        "or the credential&#x27;s own client_key and client_secret." in page
    )
    assert not ConnectLink.objects.exists()


def test_a_credentials_own_app_is_used_without_a_default_one(staff_client, db):
    own = FACTORIES["twitter"](customer_id="acme", client_id="own-x-app")
    html(staff_client.post(url(type(own), "connect_link", own.pk), {"hours": "72"}))
    assert ConnectLink.objects.get().app_client_id == "own-x-app"


# Who may --------------------------------------------------------------------------------


def test_a_viewer_can_neither_make_nor_revoke_links(client, verified_login, channels):
    open_link, _ = link_for(channels["acme"])
    viewer = user_with(client, verified_login, "view_youtubecredential")
    change_page = html(viewer.get(url(YouTube, "change", channels["acme"].pk)))
    assert "Create a connect link" not in change_page
    assert "open" in change_page.split("field-connect_links")[1].lower()  # the links are shown
    changelist = html(viewer.get(url(YouTube, "changelist")))
    assert "Connect a new account" not in changelist and "create_reconnect_links" not in changelist
    assert viewer.get(url(YouTube, "connect_new")).status_code == 403
    assert viewer.post(url(YouTube, "connect_link", channels["acme"].pk), {"hours": "72"}).status_code == 403
    viewer.post(
        url(YouTube, "changelist"),
        {"action": "create_reconnect_links", ACTION_CHECKBOX_NAME: [str(channels["acme"].pk)]},
    )
    assert ConnectLink.objects.count() == 1

    links = html(viewer.get(LINKS))
    assert "acme channel" in links and "revoke_selected" not in links
    viewer.post(LINKS, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [str(open_link.pk)]})
    open_link.refresh_from_db()
    assert open_link.revoked_at is None


def test_links_of_platforms_the_user_may_not_view_are_hidden(client, verified_login, channels):
    youtube_link, _ = link_for(channels["acme"])
    reddit_link, _ = link_for(customer_id="acme", platform="reddit")
    viewer = user_with(client, verified_login, "view_youtubecredential")
    page = html(viewer.get(LINKS))
    assert reverse("admin:connect_connectlink_change", args=[youtube_link.pk]) in page
    assert reverse("admin:connect_connectlink_change", args=[reddit_link.pk]) not in page
    assert viewer.get(reverse("admin:connect_connectlink_change", args=[reddit_link.pk])).status_code == 404


def test_without_any_credential_permission_the_links_are_forbidden(client, verified_login, channels):
    link_for(channels["acme"])
    nobody = user_with(client, verified_login)
    assert nobody.get(LINKS).status_code == 403


def test_the_links_list_hides_other_tenants_links(staff_client, channels):
    mine, _ = link_for(channels["acme"])
    theirs, _ = link_for(channels["initech"])
    page = html(staff_client.get(LINKS))
    assert "acme channel" in page and "initech" not in page
    assert f'href="{reverse("admin:credentials_customer", args=["acme"])}"' in page, "the tenant links to its page"
    assert staff_client.get(reverse("admin:connect_connectlink_change", args=[theirs.pk])).status_code == 404
    detail = html(staff_client.get(reverse("admin:connect_connectlink_change", args=[mine.pk])))
    assert "acme channel" in detail and 'name="customer_id"' not in detail  # read only
    assert staff_client.get(reverse("admin:connect_connectlink_add")).status_code == 403
    assert staff_client.get(reverse("admin:connect_connectlink_delete", args=[mine.pk])).status_code == 403


# Revoking -------------------------------------------------------------------------------


def revoke(client, links):
    return client.post(LINKS, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [str(link.pk) for link in links]})


def test_revoking_reports_what_was_revoked_and_skipped(staff_client, channels):
    now = timezone.now()
    open_link, _ = link_for(channels["acme"])
    used, _ = link_for(channels["acme"])
    expired, _ = link_for(channels["globex"])
    ConnectLink.objects.filter(pk=used.pk).update(spent_at=now)
    ConnectLink.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(hours=1))
    theirs, _ = link_for(channels["initech"])

    response = revoke(staff_client, [open_link, used, expired, theirs])
    assert messages_of(response) == ["Revoked 1 connect link; skipped 2 already used, revoked or expired."]
    statuses = {link.pk: link.status() for link in ConnectLink.objects.all()}
    assert statuses == {open_link.pk: "revoked", used.pk: "used", expired.pk: "expired", theirs.pk: "open"}
    assert ConnectLink.objects.get(pk=open_link.pk).revoked_by == "scoped"
    assert "link-revoked" in html(staff_client.get(LINKS + "?status=revoked"))


def test_revoking_skips_platforms_the_user_may_only_view(client, verified_login, channels):
    youtube_link, _ = link_for(channels["acme"])
    reddit_link, _ = link_for(customer_id="acme", platform="reddit")
    user = user_with(client, verified_login, "change_youtubecredential", "view_redditcredential")
    response = revoke(user, [youtube_link, reddit_link])
    assert messages_of(response) == [
        "Revoked 1 connect link; skipped 1 of platforms whose credentials you may not change."
    ]
    assert ConnectLink.objects.get(pk=reddit_link.pk).revoked_at is None


# The credential's links on its page ---------------------------------------------------------


def test_the_credential_page_lists_its_links_and_links_to_revoking_them(staff_client, channels):
    channel = channels["acme"]
    staff = User.objects.get(username="scoped")
    made_it, _ = link_for(customer_id="acme")  # a new-credential link that, used, made this one
    revoked, _ = link_for(channel, user=staff)
    still_open, _ = link_for(channel, user=staff)
    link_for(channels["globex"])
    now = timezone.now()
    ConnectLink.objects.filter(pk=made_it.pk).update(
        created_at=now - timedelta(hours=1),
        spent_at=now,
        connected_credential_id=channel.credential_id,
        connected_account="Acme TV",
    )
    ConnectLink.objects.filter(pk=revoked.pk).update(created_at=now - timedelta(hours=2))
    ConnectLink.objects.filter(pk=still_open.pk).update(created_at=now - timedelta(hours=3))
    revoke(staff_client, [revoked])

    page = html(staff_client.get(url(YouTube, "change", channel.pk)))
    field = page.split("field-connect_links")[1].split("</fieldset>")[0]
    assert re.findall(r'class="link-status link-(\w+)"', field) == ["used", "revoked", "open"]
    assert "scoped" in field and "Acme TV" in field
    filtered = f"{LINKS}?credential_id={channel.credential_id}"
    assert f'href="{filtered}"' in field

    only_this = html(staff_client.get(filtered))
    assert only_this.count('class="link-status') == 3
    assert "globex" not in only_this.split('id="result_list"')[1]


def test_the_bulk_action_makes_one_link_per_credential_and_says_why_not(staff_client, db):
    make = FACTORIES["twitter"]
    own_app = make(customer_id="acme", name="has its own app")
    no_app = make(customer_id="globex", name="has no app", client_id=None, client_secret=None)
    other_tenant = make(customer_id="initech", name="not mine")
    model = type(own_app)
    page = html(
        staff_client.post(
            url(model, "changelist"),
            {
                "action": "create_reconnect_links",
                ACTION_CHECKBOX_NAME: [str(c.pk) for c in (own_app, no_app, other_tenant)],
            },
        )
    )
    rows = page.split('id="connect-links-made"')[1]
    assert "has its own app" in rows and "has no app" in rows and "not mine" not in rows
    assert len(link_urls(rows)) == 1
    assert "No link: No Twitter/X app is configured: set TWITTER_OAUTH_CLIENT_ID" in rows
    (link,) = ConnectLink.objects.all()
    assert link.credential_id == own_app.credential_id


def test_the_bulk_action_refuses_more_than_100(staff_client, db):
    chosen = FACTORIES["youtube"].create_batch(101, customer_id="acme")
    data = {"action": "create_reconnect_links", ACTION_CHECKBOX_NAME: [str(c.pk) for c in chosen]}
    response = staff_client.post(url(YouTube, "changelist"), data)
    assert messages_of(response) == ["Select at most 100 credentials to make reconnect links for; no link was made."]
    assert not ConnectLink.objects.exists()


# connect_link ---------------------------------------------------------------------------

YOUTUBE_APP = {"YOUTUBE_OAUTH_CLIENT_ID": "yt-app", "YOUTUBE_OAUTH_CLIENT_SECRET": "yt-app-secret"}


def test_the_command_prints_the_url_and_nothing_else(manage, mongo_db, channels):
    channel = channels["acme"]
    result = manage(
        "connect_link", "youtube", "acme", "--credential", channel.credential_id, "--expires-in", "2",
        database=mongo_db.name, env=YOUTUBE_APP,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (raw,) = LINK_URL.findall(result.stdout)
    assert result.stdout == f"http://127.0.0.1:8000/connect/{raw}/\n"
    link = ConnectLink.objects.get(token_hash=token_hash(raw))
    assert (link.credential_id, link.created_by, link.created_by_name) == (
        channel.credential_id,
        None,
        "manage.py connect_link",
    )
    assert abs(link.expires_at - timezone.now() - timedelta(hours=2)) < timedelta(minutes=1)
    new = manage("connect_link", "youtube", "hooli", database=mongo_db.name, env=YOUTUBE_APP)
    assert new.returncode == 0 and LINK_URL.fullmatch(new.stdout.strip())


@pytest.mark.parametrize(
    "args, error",
    [
        (("myspace", "acme"), "unknown platform 'myspace'; known: facebook, instagram, linkedin"),
        (("youtube", "acme", "--credential", "{initech}"), "tenant 'acme' has no YouTube credential"),
        (("youtube", "acme", "--expires-in", "soon"), "--expires-in takes a number of hours, not 'soon'"),
        (("youtube", "acme", "--expires-in", "1000"), "a link lasts more than 0 and at most 720 hours, not 1000"),
        (("tiktok", "acme"), "No TikTok app is configured: set TIKTOK_OAUTH_CLIENT_ID and TIKTOK_OAUTH_CLIENT_SECRET"),
    ],
)
def test_the_command_fails_in_one_line(manage, mongo_db, channels, args, error):
    args = [a.replace("{initech}", channels["initech"].credential_id) for a in args]
    result = manage("connect_link", *args, database=mongo_db.name, env={**YOUTUBE_APP, "TIKTOK_OAUTH_CLIENT_ID": ""})
    assert result.returncode != 0
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("CommandError: ") and error in line
    assert not ConnectLink.objects.exists()


# Missing posting scopes ---------------------------------------------------------------------


@pytest.fixture
def linkedin(db):
    make = FACTORIES["linkedin"]
    return {
        "person lacking": make(customer_id="acme", name="person lacking", scopes=["openid", "profile"]),
        "org lacking": make(
            customer_id="acme",
            name="org lacking",
            post_as="organization",
            organization_id="o1",
            scopes=["openid", "w_member_social"],
        ),
        "complete": make(customer_id="acme", name="complete", scopes=["openid", "w_member_social"]),
        "unknown": make(customer_id="acme", name="scopes unknown", scopes=[]),
    }


def test_missing_scopes_on_the_change_page(staff_client, linkedin):
    model = type(linkedin["complete"])

    def shown(name):
        page = html(staff_client.get(url(model, "change", linkedin[name].pk)))
        return re.search(r'<div class="readonly">(.*?)</div>', page.split("field-missing_scopes")[1]).group(1)

    assert "Missing to post: w_member_social — reconnect with a link to grant it." in shown("person lacking")
    assert "Missing to post: w_organization_social" in shown("org lacking")
    assert shown("complete") == shown("unknown") == "—"


def test_missing_scopes_in_the_list(staff_client, linkedin):
    page = html(staff_client.get(url(type(linkedin["complete"]), "changelist")))
    marked = re.findall(r'class="missing-scopes"[^>]*>([^<]+)<', page)
    assert sorted(marked) == ["w_member_social", "w_organization_social"]


def test_missing_scopes_in_the_overview(staff_client, linkedin):
    FACTORIES["twitter"](
        customer_id="acme", name="x complete", scopes=list(REGISTRY["twitter"].token_facts.post_scopes)
    )
    FACTORIES["twitter"](customer_id="acme", name="x lacking", scopes=["tweet.read"])
    legacy = FACTORIES["twitter"](customer_id="acme", name="x legacy", scopes=["tweet.read"], auth_type="oauth1a")
    legacy.api_key, legacy.api_secret = "k", "s"
    legacy.save()
    FACTORIES["linkedin"](customer_id="acme", name="post_as unset", post_as=None, scopes=["openid"])
    for model in (REGISTRY["linkedin"].model, REGISTRY["twitter"].model):
        for credential in model.objects.all():
            credential.access_token = "t"  # without a token, that is what the overview says first
            credential.save(update_fields=["access_token"])
    page = html(staff_client.get(reverse("admin:credentials_overview")))
    rows = page.split('id="needs-attention"')[1].split("</table>")[0].split("<tr>")
    lacking = sorted(re.search(r">([^<]+)</a>", row).group(1) for row in rows if "health-missing_scope" in row)
    assert lacking == ["org lacking", "person lacking", "post_as unset", "x lacking"]


def test_each_status_filter_finds_the_links_of_that_status(channels):
    from connect.models import LinkStatus

    now = timezone.now()
    links = [link_for(channels["acme"])[0] for _ in range(5)]
    ConnectLink.objects.filter(pk=links[1].pk).update(spent_at=now)
    ConnectLink.objects.filter(pk=links[2].pk).update(revoked_at=now, spent_at=now)  # revoked wins over used
    ConnectLink.objects.filter(pk=links[3].pk).update(expires_at=now - timedelta(hours=1))
    ConnectLink.objects.filter(pk=links[4].pk).update(spent_at=now, expires_at=now - timedelta(hours=1))
    for status in LinkStatus.values:
        found = {link.pk for link in ConnectLink.objects.filter(ConnectLink.status_q(status))}
        assert found == {link.pk for link in ConnectLink.objects.all() if link.status() == status}, status
