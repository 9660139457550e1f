"""End to end in a real browser: the support desk finds a customer, sees them on every platform, offboards them.

As tests/test_e2e.py (whose browser and sign-in it uses): Debian's headless Chromium against a live
server on the test database, at a laptop's 1366 px. Screenshots go to tests/artifacts/.
"""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.utils import timezone

from accounts.roles import sync_roles
from credentials.platforms import REGISTRY
from tenancy.models import TenantAccess
from tests.factories import FACTORIES
from tests.test_e2e import ARTIFACTS, PASSWORD, enroll_at_first_sign_in, page  # noqa: F401  (page: the browser)

pytestmark = pytest.mark.e2e
LAPTOP = {"width": 1366, "height": 900}
# A name with nowhere to break: it must wrap inside its cell, not push the columns off screen.
UNBROKEN = "acme-corp-" + "publishing" * 9
CONNECTED_BY = "connect link 6b16f6d670b79b419b748ccc (sent by admin)"


@pytest.fixture
def support_user(transactional_db):
    """alice (the name tests/test_e2e.py signs in with), in the Credential support role, granted two tenants."""
    sync_roles()  # the roles are made by migrate; a transactional test's flush removed them
    user = User.objects.create_user("alice", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Credential support"))
    TenantAccess.objects.create(user=user, customer_ids=["acme-corp", "acme-labs"])
    return user


@pytest.fixture
def customer(transactional_db):
    """acme-corp on all seven platforms, each the active default holding a token; acme-labs and globex besides."""
    now = timezone.now()
    credentials = []
    for key, make in FACTORIES.items():
        platform = REGISTRY[key]
        credentials.append(
            make(
                customer_id="acme-corp",
                name=UNBROKEN if key == "twitter" else f"Acme Corp on {platform.label}",
                is_active=True,
                access_token="t",
                refresh_token="r",
                token_expiry=now + timedelta(days=20),
                last_used_at=now - timedelta(hours=3),
                scopes=list(platform.token_facts.post_scopes),
                # What a connect link writes: one long word, as a long name is.
                updated_by=CONNECTED_BY if key == "twitter" else "bob",
            )
        )
        make(customer_id="globex", name=f"Globex on {platform.label}", is_active=True)
    FACTORIES["twitter"](customer_id="acme-corp", name="Acme Corp spare X account")
    FACTORIES["youtube"](customer_id="acme-labs", name="Acme Labs channel", is_active=True)
    return credentials


def fits_the_width(tab):
    """Nothing scrolls sideways: neither the page nor the list's own scrolling box."""
    return tab.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll('.results, #content-main')]
                 .every(box => box.scrollWidth <= box.clientWidth + 1)"""
    )


def test_support_finds_a_customer_sees_every_platform_and_offboards_them(page, support_user, customer):  # noqa: F811
    enroll_at_first_sign_in(page)
    page.set_viewport_size(LAPTOP)
    page.screenshot(path=ARTIFACTS / "index_1366.png", full_page=True)

    # Find by prefix: two granted tenants start with "acme"; one with "acme-c".
    page.fill("#customer-search-q", "acme")
    page.press("#customer-search-q", "Enter")
    page.wait_for_selector("#customer-results")
    assert page.locator("#customer-results li").all_inner_texts() == ["acme-corp", "acme-labs"]
    page.screenshot(path=ARTIFACTS / "customer_search.png", full_page=True)
    page.fill("#customer-search-q", "acme-c")
    page.press("#customer-search-q", "Enter")
    page.wait_for_url("**/admin/credentials/customer/acme-corp/")

    # Every platform on one page, and nothing of another customer.
    sections = page.locator("#customer-credentials-table tbody.platform")
    assert sections.count() == 7
    labels = page.locator("#customer-credentials-table th.platform-label").all_inner_texts()
    assert {label for label in labels if label} == {p.label for p in REGISTRY.values()}
    assert page.locator("tr.credential").count() == 8
    assert "Globex" not in page.content() and "Acme Labs" not in page.content()
    assert fits_the_width(page), "the customer page scrolls sideways at 1366 px"
    page.screenshot(path=ARTIFACTS / "customer_page.png", full_page=True)

    # Offboarding, through the confirmation page.
    page.click("#offboard")
    page.wait_for_selector("text=Yes, deactivate them")
    assert "Offboarding: deactivate all 8 credentials of customer acme-corp" in page.inner_text("#content")
    assert page.locator(".deactivate-list li").count() == 8
    page.screenshot(path=ARTIFACTS / "customer_offboard_confirm.png", full_page=True)
    page.click("input[value='Yes, deactivate them']")
    page.wait_for_url("**/admin/credentials/customer/acme-corp/")
    said = page.inner_text(".messagelist")
    assert "Deactivated 1 YouTube credential" in said and "Deactivated 1 Twitter/X credential" in said
    for credential in customer:
        stored = type(credential).objects.get(pk=credential.pk)
        assert not stored.is_active and stored.updated_by == "alice"
    assert LogEntry.objects.filter(user=support_user).count() == 7
    assert REGISTRY["youtube"].model.objects.get(customer_id="acme-labs").is_active
    assert all(REGISTRY[key].model.objects.get(customer_id="globex").is_active for key in REGISTRY)
    assert page.locator("tr.credential.inactive").count() == 8


def test_every_platforms_list_fits_a_laptop_screen(page, support_user, customer):  # noqa: F811
    enroll_at_first_sign_in(page)
    page.set_viewport_size(LAPTOP)
    for platform in REGISTRY.values():
        page.goto(f"/admin/credentials/{platform.model._meta.model_name}/")
        assert page.locator("#result_list tbody tr").count() >= 1
        assert fits_the_width(page), f"{platform.label}'s list scrolls sideways at 1366 px"
    page.goto("/admin/credentials/twittercredential/")
    name_cell = page.locator(f"#result_list th.field-name:has-text('{UNBROKEN[:20]}')")
    assert name_cell.bounding_box()["height"] > 30, "the unbroken name wraps onto more lines"
    page.screenshot(path=ARTIFACTS / "list_1366.png", full_page=True)
    assert (ARTIFACTS / "list_1366.png").stat().st_size > 10_000
