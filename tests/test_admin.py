"""The console as staff use it: per-platform pages, tenant isolation, audit, bulk actions."""

import codecs
import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credentials.platforms import REGISTRY
from customers.links import tenant_column
from tenancy.models import TenantAccess
from tests.admin_pages import html, messages_of, url
from tests.factories import FACTORIES
from tests.page_reads import READS

SENTINEL = "SENTINEL-admin-9d41"
Twitter = REGISTRY["twitter"].model


@pytest.fixture
def tenants(db):
    """Two credentials in each of the granted tenants acme and globex, one in initech."""
    make = FACTORIES["twitter"]
    return {
        "acme": [
            make(customer_id="acme", name="acme main", is_active=True),
            make(customer_id="acme", name="acme spare"),
        ],
        "globex": [make(customer_id="globex", name="globex main", is_active=True)],
        "initech": [make(customer_id="initech", name="initech main", is_active=True, access_token=SENTINEL)],
    }


def post_action(client, model, action, credentials, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(c.pk) for c in credentials], **extra}
    return client.post(url(model, "changelist"), data)


def csv_rows(response):
    """The exported rows, after checking the file opens with the UTF-8 byte-order mark spreadsheets need."""
    assert response.content.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


# Tenant isolation -------------------------------------------------------------------------


def test_list_search_filter_and_count_show_only_granted_tenants(staff_client, tenants):
    page = html(staff_client.get(url(Twitter, "changelist")))
    assert "acme main" in page and "globex main" in page
    assert "initech" not in page
    assert "3 Twitter/X credentials" in page
    searched = html(staff_client.get(url(Twitter, "changelist") + "?q=initech"))
    assert "initech main" not in searched and "0 results" in searched
    assert "0 Twitter/X credentials" in html(staff_client.get(url(Twitter, "changelist") + "?customer_id=initech"))
    only_acme = html(staff_client.get(url(Twitter, "changelist") + "?customer_id=acme"))
    assert "acme spare" in only_acme and "globex" not in only_acme.split("changelist-filter")[0]


def test_another_tenants_pages_are_404(staff_client, tenants):
    other = tenants["initech"][0]
    for action in ("change", "history", "delete"):
        assert staff_client.get(url(Twitter, action, other.pk)).status_code == 404
    assert staff_client.post(url(Twitter, "change", other.pk), {"name": "hijacked"}).status_code == 404
    assert staff_client.post(url(Twitter, "delete", other.pk), {"post": "yes"}).status_code == 404
    other.refresh_from_db()
    assert other.name == "initech main"


@pytest.mark.parametrize(
    "action",
    ["deactivate_selected", "activate_selected", "mark_for_reauthentication", "delete_selected"],
)
def test_bulk_actions_posted_with_another_tenants_ids_change_nothing_of_theirs(staff_client, tenants, action):
    other = tenants["initech"][0]
    before = Twitter.objects.get(pk=other.pk)
    post_action(staff_client, Twitter, action, [other], post="yes")
    after = Twitter.objects.get(pk=other.pk)
    assert (after.is_active, after.is_authenticated, after.updated_at) == (
        before.is_active,
        before.is_authenticated,
        before.updated_at,
    )
    assert not LogEntry.objects.filter(object_id=str(other.pk)).exists()


def test_export_of_another_tenants_ids_exports_nothing_of_theirs(staff_client, tenants):
    response = post_action(staff_client, Twitter, "export_csv", tenants["initech"] + tenants["acme"])
    assert sorted(r["customer_id"] for r in csv_rows(response)) == ["acme", "acme"]


def test_add_and_change_accept_only_granted_tenants(staff_client, tenants):
    data = {"name": "new", "customer_id": "initech", "auth_type": "oauth2", "client_id": "c", "client_secret": "s"}
    page = html(staff_client.post(url(Twitter, "add"), data))
    assert "You are not granted tenant “initech”." in page
    assert not Twitter.objects.filter(name="new").exists()
    mine = tenants["acme"][1]
    page = html(staff_client.post(url(Twitter, "change", mine.pk), {**data, "name": mine.name}))
    assert "You are not granted tenant “initech”." in page
    mine.refresh_from_db()
    assert mine.customer_id == "acme"


def test_history_and_overview_are_scoped(staff_client, tenants, admin_client):
    admin_client.post(url(Twitter, "change", tenants["initech"][0].pk), {})  # some history for initech
    overview = html(staff_client.get(reverse("admin:credentials_overview")))
    assert "initech" not in overview
    row = overview.split('data-platform="Twitter/X"')[1].split("</tr>")[0]
    assert ">3</a>" in row.split("<td>")[1]  # total: acme 2 + globex 1, linking to the list
    everything = html(admin_client.get(reverse("admin:credentials_overview")))
    assert ">4</a>" in everything.split('data-platform="Twitter/X"')[1].split("<td>")[1]


def test_superuser_sees_every_tenant(admin_client, tenants):
    assert "initech main" in html(admin_client.get(url(Twitter, "changelist")))
    assert admin_client.get(url(Twitter, "change", tenants["initech"][0].pk)).status_code == 200


def test_staff_permissions_are_respected(client, tenants, verified_login):
    viewer = User.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    TenantAccess.objects.create(user=viewer, customer_ids=["acme"])
    verified_login(client, viewer)
    assert client.get(url(Twitter, "changelist")).status_code == 403
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_twittercredential"))
    assert client.get(url(Twitter, "changelist")).status_code == 200
    assert client.post(url(Twitter, "change", tenants["acme"][0].pk), {"name": "x"}).status_code == 403
    post_action(client, Twitter, "deactivate_selected", tenants["acme"], post="yes")
    assert Twitter.objects.get(pk=tenants["acme"][0].pk).is_active is True


def test_no_user_without_superuser_rights_can_grant_tenants(staff_user, client, admin_client, manage, verified_login):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(*Permission.objects.filter(content_type__model="user"))
    verified_login(client, staff_user)
    page = html(client.get(reverse("admin:auth_user_change", args=[staff_user.pk])))
    assert 'name="tenant_access-0-customer_ids"' not in page
    assert 'name="is_superuser"' not in page

    superuser_page = html(admin_client.get(reverse("admin:auth_user_change", args=[staff_user.pk])))
    assert 'name="tenant_access-0-customer_ids"' in superuser_page


def test_grant_tenants_command(staff_user):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("grant_tenants", "scoped", "initech", "hooli", stdout=out)
    assert "scoped now has 4 tenant(s): acme, globex, hooli, initech" in out.getvalue()
    call_command("grant_tenants", "scoped", "acme", "--revoke", stdout=out)
    assert TenantAccess.objects.get(user=staff_user).customer_ids == ["globex", "hooli", "initech"]


def test_grant_tenants_rejects_an_unknown_user(manage, mongo_db):
    result = manage("grant_tenants", "nobody", "acme", database=mongo_db.name)
    assert result.returncode == 1
    assert result.stderr.strip() == "CommandError: no user named 'nobody'"


# Audit trail ------------------------------------------------------------------------------


def test_add_and_change_fill_audit_fields_and_history(staff_client, staff_user, db):
    data = {
        "name": "added",
        "customer_id": "acme",
        "auth_type": "oauth2",
        "client_id": "c",
        "client_secret": SENTINEL,
        "post_count": 0,
        "created_by": "forged",
        "updated_at": "2000-01-01 00:00:00",
    }
    assert staff_client.post(url(Twitter, "add"), data).status_code == 302
    credential = Twitter.objects.get(name="added")
    assert credential.created_by == credential.updated_by == "scoped"
    assert abs(credential.created_at - timezone.now()) < timedelta(minutes=1)

    data.update(name="renamed", username="acme_on_x", client_secret="")
    assert staff_client.post(url(Twitter, "change", credential.pk), data).status_code == 302
    entries = LogEntry.objects.filter(object_id=str(credential.pk)).order_by("action_time")
    assert [e.action_flag for e in entries] == [ADDITION, CHANGE]
    assert entries[1].user == staff_user
    assert entries[1].get_change_message() == "Changed Name and Username."
    history = html(staff_client.get(url(Twitter, "history", credential.pk)))
    assert "Changed Name and Username." in history
    assert SENTINEL not in history


def test_audit_fields_are_read_only_on_the_change_form(staff_client, tenants):
    page = html(staff_client.get(url(Twitter, "change", tenants["acme"][0].pk)))
    for name in ("created_at", "created_by", "updated_at", "updated_by", "credential_id"):
        assert f'name="{name}"' not in page
        assert f"field-{name}" in page


# Bulk actions -----------------------------------------------------------------------------


def test_deactivate_asks_first_then_updates_audits_and_reports(staff_client, tenants, staff_user):
    chosen = [tenants["acme"][0], tenants["acme"][1], tenants["globex"][0]]
    confirm = html(post_action(staff_client, Twitter, "deactivate_selected", chosen))
    assert "Yes, deactivate them" in confirm
    assert 'name="post" value="yes"' in confirm
    assert all(Twitter.objects.get(pk=c.pk).is_active == c.is_active for c in chosen)

    response = post_action(staff_client, Twitter, "deactivate_selected", chosen, post="yes")
    assert response.status_code == 302
    messages = messages_of(response)
    assert messages == ["Deactivated 2 Twitter/X credentials; skipped 1 already inactive."]
    for credential in chosen:
        credential.refresh_from_db()
        assert credential.is_active is False
    changed = [c for c in chosen if c.name != "acme spare"]
    for credential in changed:
        assert credential.updated_by == "scoped"
        entry = LogEntry.objects.get(object_id=str(credential.pk))
        assert entry.get_change_message() == "Changed Active, Updated at and Updated by."
        assert entry.user == staff_user


def test_activate_makes_each_the_tenants_default(staff_client, tenants):
    spare = tenants["acme"][1]
    response = post_action(staff_client, Twitter, "activate_selected", [spare, tenants["globex"][0]])
    messages = messages_of(response)
    assert messages[0] == "Activated 1 Twitter/X credential; skipped 1 already active."
    assert messages[1] == "Deactivated 1 other credential(s) of the same tenants."
    assert list(Twitter.objects.filter(customer_id="acme", is_active=True)) == [spare]
    assert Twitter.objects.get(pk=tenants["acme"][0].pk).updated_by == "scoped"

    both = post_action(staff_client, Twitter, "activate_selected", tenants["acme"])
    assert messages_of(both) == [
        "Nothing was activated: a tenant has one default credential per platform, so select one per tenant. "
        "Selected more than one of tenant acme: acme main, acme spare."
    ]
    assert list(Twitter.objects.filter(customer_id="acme", is_active=True)) == [spare]


def test_mark_for_reauthentication(staff_client, tenants):
    response = post_action(staff_client, Twitter, "mark_for_reauthentication", tenants["acme"])
    assert messages_of(response) == ["Marked for re-authentication 2 Twitter/X credentials."]
    assert not Twitter.objects.filter(customer_id="acme", is_authenticated=True).exists()
    again = post_action(staff_client, Twitter, "mark_for_reauthentication", tenants["acme"])
    assert messages_of(again) == ["Marked for re-authentication 0 Twitter/X credentials; skipped 2 already marked."]


def test_csv_export_says_whether_secrets_are_set_never_what_they_are(staff_client, db):
    credential = FACTORIES["twitter"](
        customer_id="acme", name="=HYPERLINK(1)", access_token=SENTINEL, scopes=["tweet.read", "tweet.write"]
    )
    response = post_action(staff_client, Twitter, "export_csv", [credential])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8-sig")
    assert SENTINEL not in body and "enc:v" not in body
    (row,) = csv_rows(response)
    assert row["name"] == "'=HYPERLINK(1)"
    assert row["credential_id"] == credential.credential_id
    assert row["access_token_set"] == "yes" and row["refresh_token_set"] == "no"
    assert row["client_secret_set"] == "yes" and row["api_secret_set"] == "no"
    assert row["scopes"] == "tweet.read;tweet.write"
    assert row["health"] == "missing_scope"  # it lacks three of the scopes posting needs


FORMULAS = [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t1", "\r1",  # the ASCII triggers, and tab and CR
    "  =1+1", " \t@SUM(A1)", "\u3000-1",  # blanks before a trigger, the ideographic space too
    "＝1+1", "＋1", "－1", "＠SUM(A1)", " ＝1+1",  # full-width forms
]  # fmt: skip
NOT_FORMULAS = ["Zoë Ødegård 東京", "a=1", "1-2", "  plain"]


def test_csv_export_makes_every_formula_text_and_keeps_other_names(staff_client, db):
    names = FORMULAS + NOT_FORMULAS
    credentials = [FACTORIES["twitter"](customer_id="acme", name=name) for name in names]
    response = post_action(staff_client, Twitter, "export_csv", credentials)
    exported = {row["credential_id"]: row["name"] for row in csv_rows(response)}
    assert [exported[c.credential_id] for c in credentials] == ["'" + name for name in FORMULAS] + NOT_FORMULAS


# Filters, list page cost, secrets ----------------------------------------------------


def test_search_date_hierarchy_and_platform_filters(staff_client, db):
    make = FACTORIES["linkedin"]
    make(customer_id="acme", name="person one", person_id="p-unique-1")
    make(customer_id="acme", name="org one", post_as="organization", organization_id="o1")
    model = REGISTRY["linkedin"].model
    assert "person one" in html(staff_client.get(url(model, "changelist") + "?q=p-unique-1"))
    orgs = html(staff_client.get(url(model, "changelist") + "?post_as__exact=organization"))
    assert "org one" in orgs and "person one" not in orgs
    year = datetime.now(UTC).year
    dated = html(staff_client.get(url(model, "changelist") + f"?created_at__year={year}"))
    assert "org one" in dated and "person one" in dated


def list_page_cost(client, query_string=""):
    """(queries sent, documents the credential collections' reads examined, the page)."""
    with READS.recording() as reads, CaptureQueriesContext(connection) as captured:
        page = html(client.get(url(REGISTRY["youtube"].model, "changelist") + query_string))
    return len(captured), reads.documents_examined(connection.database.client), page


def list_page_queries(client, count):
    FACTORIES["youtube"].create_batch(count, customer_id="acme", access_token="t")
    queries, _examined, page = list_page_cost(client)
    return queries, page


def test_list_page_costs_the_same_queries_for_20_and_500(staff_client, db):
    small, _ = list_page_queries(staff_client, 20)
    REGISTRY["youtube"].model.objects.all().delete()
    large, page = list_page_queries(staff_client, 500)
    assert small == large
    assert "500 YouTube credentials" in page  # a tenant-scoped list counts exactly, up to a bound


def other_tenants_credentials(count, first=0):
    """`count` YouTube credentials of tenants other than acme, each a second newer than the one before."""
    for n in range(first, first + count):
        FACTORIES["youtube"](customer_id=f"other-{n % 7}", access_token="t", created_at=OLDEST + timedelta(seconds=n))


OLDEST = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_list_page_reads_as_much_at_500_credentials_as_at_60(admin_client, db):
    make = FACTORIES["youtube"]
    newest = OLDEST + timedelta(days=1)
    acme = [make(customer_id="acme", name=f"acme line {n}", is_active=n == 0, access_token="t",
                 created_at=newest + timedelta(seconds=n), refresh_failures=2 if n in (1, 2) else None)
            for n in range(10)]  # fmt: skip
    pages = {
        "first page": "",
        "tenant": "?customer_id=acme",
        "active": "?is_active__exact=1",
        "health": "?health=retrying",
        "search by credential_id": f"?q={acme[3].credential_id}",
        "search by a name's start": "?q=acme+line",
    }
    other_tenants_credentials(50)
    small = {name: list_page_cost(admin_client, query)[:2] for name, query in pages.items()}
    other_tenants_credentials(440, first=50)
    large = {name: list_page_cost(admin_client, query)[:2] for name, query in pages.items()}
    assert small == large
    assert 50 <= large["first page"][1] <= 51  # the page, and at most the next document on the created_at index
    assert large["search by credential_id"][1] == 2  # the count and the page: that one credential each


def sortable_headers(page):
    return re.findall(r'<div class="text"><a href="\?o=[\d.-]+">([^<]+)</a></div>', page)


def test_a_column_sorts_only_where_an_index_gives_its_order_and_health_where_asked(admin_client, db):
    FACTORIES["twitter"](customer_id="acme", access_token="t")
    headers = sortable_headers(html(admin_client.get(url(REGISTRY["twitter"].model, "changelist"))))
    assert headers == ["Name", "Tenant", "Health", "Token expires", "Last used at", "Updated at"]


def test_a_column_not_offered_for_sorting_cannot_be_sorted_by_a_typed_url(admin_client, db):
    for n in range(60):
        FACTORIES["youtube"](customer_id="acme", access_token="t", is_active=n % 2 == 0)
    model = REGISTRY["youtube"].model
    newest_first = html(admin_client.get(url(model, "changelist")))
    # Django numbers the columns from the action box's.
    columns = ["action_checkbox", *admin.site.get_model_admin(model).get_list_display(None)]
    active_column, authenticated_column = columns.index("is_active"), columns.index("is_authenticated")
    ids = re.compile(r'name="_selected_action" value="([0-9a-f]+)"')
    for typed in (f"?o={active_column}", f"?o={active_column}.-{authenticated_column}"):
        _queries, read, page = list_page_cost(admin_client, typed)
        assert read == 50, "an order no index holds would sort every credential"
        assert ids.findall(page) == ids.findall(newest_first)
    _queries, read, page = list_page_cost(admin_client, f"?o=1.{active_column}")  # by name, then by no more
    assert read == 50
    by_tenant_then_name = html(admin_client.get(url(model, "changelist"), {"o": f"{columns.index(tenant_column)}.1"}))
    marked = re.findall(r'<th scope="col" class="[^"]*column-(\w+) sorted (ascending|descending)', by_tenant_then_name)
    assert marked == [("tenant_column", "ascending")], "the headers mark the one sort the list has"


def test_a_page_sorted_by_a_column_reads_the_page_either_way(admin_client, db):
    make = FACTORIES["youtube"]
    soon = timezone.now()
    for n in range(120):  # ties on the column, broken by _id
        make(customer_id=f"other-{n % 7}", access_token="t", token_expiry=soon + timedelta(hours=n // 3))
    page = html(admin_client.get(url(REGISTRY["youtube"].model, "changelist")))
    column = re.search(r'<a href="\?o=([\d.]+)">Token expires</a>', page).group(1)
    shown = {}
    for direction in ("", "-"):
        _queries, read, page = list_page_cost(admin_client, f"?o={direction}{column}")
        assert read == 50  # the page, from the (token_expiry, _id) index walked one way or the other
        shown[direction] = re.findall(r'name="_selected_action" value="([0-9a-f]+)"', page)
    everything = [str(c.pk) for c in REGISTRY["youtube"].model.objects.order_by("token_expiry", "pk")]
    assert shown[""] == everything[:50] and shown["-"] == everything[::-1][:50]


def test_search_finds_a_credential_by_its_credential_id_typed_in_any_case(admin_client, db):
    make = FACTORIES["youtube"]
    wanted, other = make(customer_id="acme", name="wanted one"), make(customer_id="acme", name="other one")
    for typed in (f"  {wanted.credential_id.upper()} ", wanted.credential_id.replace("-", "")):
        page = html(admin_client.get(url(type(wanted), "changelist"), {"q": typed}))
        assert "wanted one" in page and "other one" not in page
        assert "1 YouTube credential" in page
    assert other.name in html(admin_client.get(url(type(other), "changelist"), {"q": "other o"}))  # a name's start


def test_a_filtered_count_is_bounded_yet_every_page_is_reachable(admin_client, db, monkeypatch):
    monkeypatch.setattr("credentials.list_counts.COUNTED_UP_TO", 50)
    monkeypatch.setattr("credentials.list_counts.PAGES_AHEAD", 0)  # the bound: 50, or up to the page shown
    FACTORIES["youtube"].create_batch(120, customer_id="acme", access_token="t")
    changelist = url(REGISTRY["youtube"].model, "changelist") + "?customer_id=acme"
    assert "more than 50 YouTube credentials" in html(admin_client.get(changelist))
    last = html(admin_client.get(changelist + "&p=3"))
    assert "120 YouTube credentials" in last
    assert last.count('name="_selected_action"') == 20


def test_the_unfiltered_list_says_its_count_is_approximate(admin_client, db):
    FACTORIES["youtube"].create_batch(3, customer_id="acme")
    FACTORIES["youtube"](customer_id="globex")
    model = REGISTRY["youtube"].model
    assert "about 4 YouTube credentials" in html(admin_client.get(url(model, "changelist")))
    filtered = html(admin_client.get(url(model, "changelist") + "?customer_id=acme"))
    assert "3 YouTube credentials" in filtered and "about 3" not in filtered


def test_no_page_shows_a_secret(staff_client, admin_client, db):
    credentials = {key: FACTORIES[key](customer_id="acme", access_token=SENTINEL, refresh_token=SENTINEL)
                   for key in REGISTRY}  # fmt: skip
    pages = [
        reverse("admin:index"),
        reverse("admin:credentials_overview"),
        reverse("admin:app_list", args=["credentials"]),
    ]
    for credential in credentials.values():
        model = type(credential)
        pages += [url(model, "changelist"), url(model, "add"), url(model, "change", credential.pk),
                  url(model, "history", credential.pk), url(model, "delete", credential.pk)]  # fmt: skip
    for client in (staff_client, admin_client):
        for page in pages:
            body = html(client.get(page))
            assert SENTINEL not in body, page
            assert "enc:v" not in body, page
        for credential in credentials.values():
            confirm = post_action(client, type(credential), "deactivate_selected", [credential])
            assert SENTINEL not in html(confirm)
    log = json.dumps([e.change_message for e in LogEntry.objects.all()])
    assert SENTINEL not in log


def test_overview_lists_what_needs_attention(staff_client, db):
    now = timezone.now()
    yt = FACTORIES["youtube"]
    posting = list(REGISTRY["youtube"].token_facts.post_scopes)
    # No refresh token: its access token is the last of it.
    expiring = yt(customer_id="acme", name="expiring one", is_active=True, access_token="t",
                  token_expiry=now + timedelta(days=1), scopes=posting)  # fmt: skip
    FACTORIES["reddit"](customer_id="acme", name="not authed", access_token="t", is_authenticated=False)
    FACTORIES["reddit"](customer_id="acme", name="tokenless default", is_active=True)
    FACTORIES["reddit"](customer_id="globex", name="tokenless spare", is_active=False)
    page = html(staff_client.get(reverse("admin:credentials_overview")))
    attention = page.split('id="needs-attention"')[1]
    assert url(type(expiring), "change", expiring.pk) in attention
    assert f"reconnect needed by {expiring.token_expiry:%Y-%m-%d}" in attention
    assert "not authed" in attention and "marked not authenticated" in attention
    assert "tokenless default" in attention and "tokenless spare" not in attention
    acme_only = html(staff_client.get(reverse("admin:credentials_overview") + "?customer_id=acme"))
    assert "tokenless default" in acme_only and "?customer_id=acme&amp;health=no_token" in acme_only
    index = html(staff_client.get(reverse("admin:index")))
    assert reverse("admin:credentials_overview") in index


def test_saving_a_credential_active_logs_the_ones_it_displaced(staff_client, tenants, staff_user):
    spare = tenants["acme"][1]
    data = {"name": spare.name, "customer_id": "acme", "auth_type": "oauth2", "client_id": spare.client_id,
            "post_count": 0, "is_active": "on"}  # fmt: skip
    response = staff_client.post(url(Twitter, "change", spare.pk), data)
    assert response.status_code == 302
    assert "Deactivated 1 other credential(s) of tenant acme." in messages_of(response)
    displaced = Twitter.objects.get(pk=tenants["acme"][0].pk)
    assert displaced.is_active is False and displaced.updated_by == "scoped"
    entry = LogEntry.objects.get(object_id=str(displaced.pk))
    assert entry.get_change_message() == "Changed Active, Updated at and Updated by."
    assert entry.user == staff_user
