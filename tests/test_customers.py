"""The customer page: one tenant on every platform, offboarding, finding a customer, and the links to it."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connect.models import ConnectLink
from credentials.models import Health
from credentials.platforms import REGISTRY
from tenancy.models import TenantAccess
from tests.admin_pages import html, messages_of, url
from tests.factories import FACTORIES

SENTINEL = "SENTINEL-customer-7e2a"
Twitter = REGISTRY["twitter"].model


def customer_page(customer_id):
    return reverse("admin:credentials_customer", args=[customer_id])


SEARCH = "/admin/credentials/customer/"


@pytest.fixture
def everywhere(db):
    """acme with one credential on each of the seven platforms (the YouTube one active); one of globex and of
    initech (not granted to the staff user) on each too."""
    credentials = {}
    for key, make in FACTORIES.items():
        credentials[key] = make(
            customer_id="acme",
            name=f"acme on {key}",
            access_token=SENTINEL,
            refresh_token=SENTINEL,
            is_active=key == "youtube",
            updated_by="carol",
        )
        make(customer_id="globex", name=f"globex on {key}", is_active=True)
        make(customer_id="initech", name=f"initech on {key}", is_active=True)
    return credentials


def rows_of(page):
    """{credential name: its row's text} of the customer page's table."""
    table = page.split('id="customer-credentials-table"')[1].split("</table>")[0]
    rows = re.findall(r'<tr class="credential[^"]*">(.*?)</tr>', table, re.S)
    return {re.search(r'<td class="name"><a [^>]*>([^<]*)</a>', row).group(1): row for row in rows}


# The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_customer_on_all_seven_platforms_and_nothing_of_others(staff_client, everywhere):
    page = html(staff_client.get(customer_page("acme")))
    rows = rows_of(page)
    assert set(rows) == {f"acme on {key}" for key in REGISTRY}
    assert "globex on" not in page and "initech" not in page
    assert SENTINEL not in page
    for key, credential in everywhere.items():
        row = rows[credential.name]
        assert f'href="{url(type(credential), "change", credential.pk)}"' in row
        assert "carol" in row, "last changed by"
        assert 'class="health' in row
        assert f'data-platform="{key}"' in page
        assert REGISTRY[key].label in page
    assert 'alt="active"' in rows["acme on youtube"] and 'alt="inactive"' in rows["acme on reddit"]
    assert "7 credentials on 7 platforms" in page


def test_the_page_shows_each_platform_even_without_a_credential_and_the_customers_links(staff_client, db):
    FACTORIES["reddit"](customer_id="acme", name="only reddit")
    ConnectLink.objects.create(
        token_hash="h" * 64, customer_id="acme", platform="tiktok", app_client_id="app", created_by_name="dave",
        expires_at=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    ConnectLink.objects.create(
        token_hash="g" * 64, customer_id="globex", platform="tiktok", app_client_id="app", created_by_name="erin",
        expires_at=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    page = html(staff_client.get(customer_page("acme")))
    assert page.count('class="no-credential"') == 6
    links = page.split('id="customer-links"')[1].split("</table>")[0]
    assert "TikTok" in links and "dave" in links and "Open" in links and "erin" not in links
    assert reverse("admin:connect_connectlink_changelist") + "?customer_id=acme" in page


def test_another_tenant_or_an_unknown_one_is_a_404(staff_client, admin_client, everywhere):
    assert staff_client.get(customer_page("initech")).status_code == 404
    assert staff_client.post(customer_page("initech"), {"action": "deactivate_selected", "select_across": "1",
                                                        "post": "yes"}).status_code == 404  # fmt: skip
    assert Twitter.objects.get(customer_id="initech").is_active
    assert admin_client.get(customer_page("initech")).status_code == 200
    assert admin_client.get(customer_page("nobody")).status_code == 404


def test_a_granted_tenant_without_credentials_has_its_page(staff_client, db):
    page = html(staff_client.get(customer_page("globex")))
    assert "0 credentials on 7 platforms" in page and 'id="offboard"' not in page


def test_the_page_costs_the_same_queries_for_1_and_30_credentials_per_platform(staff_client, db):
    def queries(count):
        for make in FACTORIES.values():
            make.create_batch(count, customer_id="acme", access_token="t")
        with CaptureQueriesContext(connection) as captured:
            page = html(staff_client.get(customer_page("acme")))
        return len(captured), page

    few, _ = queries(1)
    many, page = queries(29)
    assert few == many
    assert "210 credentials on 7 platforms" in page


# Bulk actions across platforms ----------------------------------------------------------------


def test_offboarding_asks_then_deactivates_every_platform_with_history(staff_client, staff_user, everywhere):
    Twitter.objects.filter(customer_id="acme").update(is_active=True)
    offboard = {"action": "deactivate_selected", "select_across": "1"}
    confirm = html(staff_client.post(customer_page("acme"), offboard))
    assert "Offboarding: deactivate all 7 credentials of customer acme" in confirm
    for credential in everywhere.values():
        assert f'href="{url(type(credential), "change", credential.pk)}"' in confirm
    assert "Yes, deactivate them" in confirm and "globex" not in confirm
    assert Twitter.objects.get(customer_id="acme").is_active, "nothing changes before confirming"

    response = staff_client.post(customer_page("acme"), {**offboard, "post": "yes"})
    assert response.status_code == 302 and response["Location"] == customer_page("acme")
    said = messages_of(response)
    assert "Deactivated 1 YouTube credential." in said and "Deactivated 1 Twitter/X credential." in said
    for key, credential in everywhere.items():
        stored = type(credential).objects.get(pk=credential.pk)
        assert not stored.is_active, key
        assert stored.updated_by == ("scoped" if key in ("youtube", "twitter") else "carol"), "the active ones changed"
    changed = LogEntry.objects.filter(user=staff_user, change_message__contains="Active")
    assert {entry.object_id for entry in changed} == {str(c.pk) for key, c in everywhere.items()
                                                      if key in ("youtube", "twitter")}  # fmt: skip
    for key in REGISTRY:
        assert REGISTRY[key].model.objects.get(customer_id="globex").is_active, "another customer is untouched"


def test_selected_credentials_of_several_platforms_are_acted_on_by_each_platform(staff_client, everywhere):
    chosen = [everywhere["reddit"], everywhere["tiktok"]]
    ids = [str(c.pk) for c in chosen]
    response = staff_client.post(customer_page("acme"), {"action": "activate_selected", "_selected_action": ids})
    assert response.status_code == 302
    assert all(type(c).objects.get(pk=c.pk).is_active for c in chosen)
    assert not REGISTRY["facebook"].model.objects.get(customer_id="acme").is_active

    confirm = html(staff_client.post(customer_page("acme"), {"action": "deactivate_selected", "_selected_action": ids}))
    assert "Deactivate these 2 credentials of customer acme" in confirm
    staff_client.post(customer_page("acme"), {"action": "deactivate_selected", "_selected_action": ids, "post": "yes"})
    assert not any(type(c).objects.get(pk=c.pk).is_active for c in chosen)


def test_ids_of_another_tenant_posted_to_the_page_change_nothing(staff_client, everywhere):
    theirs = REGISTRY["reddit"].model.objects.get(customer_id="globex")
    staff_client.post(customer_page("acme"), {"action": "mark_for_reauthentication", "_selected_action": [theirs.pk]})
    assert REGISTRY["reddit"].model.objects.get(pk=theirs.pk).is_authenticated
    bad = staff_client.post(customer_page("acme"), {"action": "activate_selected", "_selected_action": ["nope"]})
    assert bad.status_code == 404


def test_a_user_sees_the_platforms_and_actions_their_permissions_allow(client, everywhere, verified_login):
    viewer = User.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    TenantAccess.objects.create(user=viewer, customer_ids=["acme"])
    viewer.user_permissions.add(Permission.objects.get(codename="view_youtubecredential"))
    viewer.user_permissions.add(Permission.objects.get(codename="change_redditcredential"))
    verified_login(client, viewer)
    page = html(client.get(customer_page("acme")))
    assert set(rows_of(page)) == {"acme on youtube", "acme on reddit"}
    assert page.count('class="action-select"') == 1, "only Reddit's can be selected"
    response = client.post(
        customer_page("acme"), {"action": "deactivate_selected", "select_across": "1", "post": "yes"}
    )
    assert messages_of(response) == ["Deactivated 0 Reddit credentials; skipped 1 already inactive."]
    assert REGISTRY["youtube"].model.objects.get(customer_id="acme").is_active, "viewing only: left as it is"

    nothing = User.objects.create_user("nothing", password="pw-nothing-1", is_staff=True)
    TenantAccess.objects.create(user=nothing, customer_ids=["acme"])
    verified_login(client, nothing)
    assert client.get(customer_page("acme")).status_code == 403


# Finding a customer ------------------------------------------------------------------------


def test_search_by_prefix_goes_to_the_one_match_or_lists_them(staff_client, admin_client, everywhere):
    FACTORIES["youtube"](customer_id="acme-labs")
    response = staff_client.get(SEARCH, {"q": " ac "})
    assert response.status_code == 302 and response["Location"] == customer_page("acme")
    listed = html(admin_client.get(SEARCH, {"q": "acme"}))
    results = listed.split('id="customer-results"')[1].split("</ul>")[0]
    assert f'href="{customer_page("acme")}"' in results and f'href="{customer_page("acme-labs")}"' in results
    assert "globex" not in results
    assert 'id="no-customer"' in html(staff_client.get(SEARCH, {"q": "init"})), "not granted: not found"
    assert admin_client.get(SEARCH, {"q": "init"})["Location"] == customer_page("initech")
    assert 'id="no-customer"' in html(admin_client.get(SEARCH, {"q": ".*"})), "a prefix, never a pattern"
    assert 'id="customer-search-q"' in html(staff_client.get(SEARCH))


def test_the_index_and_the_overview_have_the_search_box(staff_client, db):
    for page in (reverse("admin:index"), reverse("admin:credentials_overview")):
        assert f'action="{SEARCH}"' in html(staff_client.get(page))


# Links to the page ---------------------------------------------------------------------------


def test_every_tenant_id_shown_links_to_its_customer_page(staff_client, everywhere):
    acme = f'href="{customer_page("acme")}"'
    for credential in everywhere.values():
        assert acme in html(staff_client.get(url(type(credential), "changelist")))
    overview = html(staff_client.get(reverse("admin:credentials_overview") + "?customer_id=acme"))
    attention = overview.split('id="needs-attention"')[1].split("</table>")[0]
    assert f'href="{customer_page("globex")}"' not in attention and acme in overview
    assert acme in attention, "the factories' scopes are not those posting needs"
    confirm = html(
        staff_client.post(
            url(Twitter, "changelist"),
            {"action": "deactivate_selected", "_selected_action": [everywhere["twitter"].pk]},
        )
    )
    assert acme in confirm
    history = html(staff_client.get(url(Twitter, "history", everywhere["twitter"].pk)))
    assert acme in history, "the credential's history names its tenant"


def test_the_overviews_counts_link_to_the_lists_filtered_alike(staff_client, everywhere):
    overview = html(staff_client.get(reverse("admin:credentials_overview") + "?customer_id=acme"))
    row = overview.split('data-platform="YouTube"')[1].split("</tr>")[0]
    changelist = url(REGISTRY["youtube"].model, "changelist")
    assert f'href="{changelist}?customer_id=acme&amp;is_active__exact=1">1</a>' in row
    assert f'href="{changelist}?customer_id=acme&amp;health=' in row
    assert f'href="{changelist}?customer_id=acme"' in row


# The list pages' columns, and activating ------------------------------------------------------


def test_list_columns_show_expiry_who_changed_and_the_platforms_own_choices(staff_client, db):
    now = timezone.now()
    FACTORIES["twitter"](customer_id="acme", name="old app", auth_type="oauth1a", access_token="t",
                         access_token_secret="s", updated_by="carol", token_expiry=now + timedelta(days=3))  # fmt: skip
    page = html(staff_client.get(url(Twitter, "changelist")))
    row = page.split(">old app</a>")[1].split("</tr>")[0]
    assert "OAuth 1.0a (legacy)" in row and "carol" in row and "in 2\xa0days" in row
    for key, header in (("linkedin", "Post as"), ("instagram", "Account type"), ("facebook", "Account type")):
        FACTORIES[key](customer_id="acme")
        assert f'<div class="text"><span>{header}</span></div>' in html(  # filtered by, not sorted by
            staff_client.get(url(REGISTRY[key].model, "changelist"))
        )
    assert "column-updated_by" in page and "column-token_expires" in page


# health_of's verdicts in the order it tries them: the health column sorts by this, the worst first.
WORST_FIRST = [Health.NO_TOKEN, Health.NEEDS_RECONNECT, Health.FAILING, Health.RETRYING, Health.MISSING_SCOPE,
               Health.EXPIRES, Health.REFRESH_DUE, Health.WORKING]  # fmt: skip


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_the_health_column_sorts_as_health_of_judges_the_worst_first(staff_client, db, key):
    now, platform, make = timezone.now(), REGISTRY[key], FACTORIES[key]
    posting = list(platform.token_facts.post_scopes)
    token = {"access_token": "t", "refresh_token": "r", "scopes": posting, "token_expiry": now + timedelta(hours=1)}
    make(customer_id="acme", name="working", **token)
    make(customer_id="acme", name="tokenless", access_token=None)
    make(customer_id="acme", name="revoked", **token, is_authenticated=False)
    make(customer_id="acme", name="narrow", **{**token, "scopes": ["read.only"]})
    make(customer_id="acme", name="failing", **token, refresh_failures=3, failing_since=now - timedelta(days=3))
    make(customer_id="acme", name="retrying", **token, refresh_failures=1, failing_since=now)
    make(customer_id="acme", name="ending", **{**token, "refresh_token": None, "token_expiry": now + timedelta(days=3)})
    changelist = url(platform.model, "changelist")
    header = html(staff_client.get(changelist)).split("column-health_column")[1].split("</th>")[0]
    order = re.search(r'href="\?o=([\d.]+)"', header).group(1)
    for direction, ranks_run in (("", sorted), ("-", lambda ranks: sorted(ranks, reverse=True))):
        page = html(staff_client.get(changelist, {"o": direction + order}))
        shown = [Health(value) for value in re.findall(r'class="health health-([a-z_]+)"', page)]
        assert len(shown) == 7
        ranks = [WORST_FIRST.index(health) for health in shown]
        assert ranks == ranks_run(ranks), (direction, shown)
    assert {Health.NO_TOKEN, Health.NEEDS_RECONNECT, Health.FAILING, Health.MISSING_SCOPE} <= set(shown)


def test_activating_two_of_one_tenant_is_refused_naming_it(staff_client, db):
    first = FACTORIES["twitter"](customer_id="acme", name="first", access_token="t")
    second = FACTORIES["twitter"](customer_id="acme", name="second", access_token="t")
    other = FACTORIES["twitter"](customer_id="globex", name="other", access_token="t")
    selected = [first.pk, second.pk, other.pk]
    activate = {"action": "activate_selected", "_selected_action": selected}
    response = staff_client.post(url(Twitter, "changelist"), activate)
    assert messages_of(response) == [
        "Nothing was activated: a tenant has one default credential per platform, so select one per tenant. "
        "Selected more than one of tenant acme: first, second."
    ]
    assert not Twitter.objects.filter(is_active=True).exists()


def test_activating_a_credential_that_does_not_work_warns(staff_client, db):
    revoked = FACTORIES["twitter"](customer_id="acme", name="revoked", access_token="t", is_authenticated=False)
    response = staff_client.post(url(Twitter, "changelist"), {"action": "activate_selected",
                                                              "_selected_action": [revoked.pk]})  # fmt: skip
    said = messages_of(response)
    assert said[0] == "Activated 1 Twitter/X credential."
    assert said[1] == (
        "revoked is now tenant acme's default but does not work: Needs reconnect (marked not authenticated). "
        "Publishing with it fails until it is put right."
    )
    assert Twitter.objects.get(pk=revoked.pk).is_active


def test_a_tenant_id_with_a_slash_or_a_space_has_its_page_and_links(admin_client, db):
    FACTORIES["reddit"](customer_id="acme/eu west", name="odd tenant")
    page_url = customer_page("acme/eu west")
    assert page_url == "/admin/credentials/customer/acme/eu%20west/"
    assert "odd tenant" in html(admin_client.get(page_url))
    assert f'href="{page_url}"' in html(admin_client.get(url(REGISTRY["reddit"].model, "changelist")))
    assert admin_client.get(SEARCH, {"q": "acme/eu"})["Location"] == page_url


def test_a_stored_tenant_id_holding_a_newline_still_links_to_its_page(admin_client, db):
    """Legacy documents may hold one (the forms refuse it now): no page linking to it fails."""
    FACTORIES["youtube"](customer_id="legacy\nco", name="legacy channel")
    link = customer_page("legacy\nco")
    assert f'href="{link}"' in html(admin_client.get(url(REGISTRY["youtube"].model, "changelist")))
    assert "legacy channel" in html(admin_client.get(link))
    assert admin_client.get("/admin/credentials/overview/?customer_id=acme%0Ax").status_code == 200


def test_a_connect_link_for_a_tenant_id_with_a_newline_is_refused(admin_client, db):
    response = admin_client.post(
        url(REGISTRY["youtube"].model, "connect_new"), {"tenant": "new\ncustomer", "hours": "3"}
    )
    assert "A tenant id cannot hold spaces or control characters" in html(response)
    assert not ConnectLink.objects.exists()
