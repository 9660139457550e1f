"""End to end in a real browser: a tenant-scoped staff user at work in the console.

Playwright drives Debian's headless Chromium (/usr/bin/chromium, installed by
`make install`) against a live server on the test database. Screenshots of the list,
change and overview pages are saved under tests/artifacts/.
"""

import base64
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from credentials.platforms import REGISTRY
from tenancy.models import TenantAccess
from tests.factories import FACTORIES, authenticator_code

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
SENTINEL = "SENTINEL-browser-51c0"
PASSWORD = "browser-password-1"
Twitter = REGISTRY["twitter"].model


@pytest.fixture
def page(live_server, monkeypatch):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        tab = browser.new_page(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
        yield tab
        browser.close()


@pytest.fixture
def scoped_staff(transactional_db):
    user = User.objects.create_user("alice", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="credentials"))
    TenantAccess.objects.create(user=user, customer_ids=["acme"])
    return user


def sign_in_with_password(page, next_page="/admin/"):
    page.goto(next_page)  # the console sends a stranger to sign in, then back here
    page.fill("#id_auth-username", "alice")
    page.fill("#id_auth-password", PASSWORD)
    page.click("input[value='Sign in']")


def enroll_at_first_sign_in(page):
    """The first sign-in: password, then the QR code and a code from the app, then recovery codes."""
    sign_in_with_password(page)
    page.wait_for_selector("text=Enable Two-Factor Authentication")
    page.click("input[value=Next]")
    page.wait_for_selector("img[alt='QR Code']")
    page.screenshot(path=ARTIFACTS / "enroll.png", full_page=True)
    # What the authenticator app reads from the QR code: the secret in the otpauth:// link.
    secret = re.search(r"secret=([A-Z2-7]+)", page.content()).group(1)
    code = authenticator_code(TOTPDevice(key=base64.b32decode(secret).hex()))
    page.fill("#id_generator-token", code)
    page.click("input[value=Next]")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=ARTIFACTS / "recovery_codes.png", full_page=True)
    page.click("#continue")
    page.wait_for_selector("#overview-link")
    return codes


def sign_out(page):
    page.click("#logout-form button")
    page.wait_for_load_state()


def test_staff_enroll_then_sign_in_with_a_code_or_a_recovery_code(page, scoped_staff):
    codes = enroll_at_first_sign_in(page)
    sign_out(page)

    # The code the app shows next (within the tolerated clock drift; the one used to enroll is spent).
    sign_in_with_password(page, "/admin/credentials/overview/")
    page.wait_for_selector("#id_token-otp_token")
    page.screenshot(path=ARTIFACTS / "sign_in_code.png", full_page=True)
    page.fill("#id_token-otp_token", authenticator_code(scoped_staff.totpdevice_set.get(), steps_ahead=1))
    page.click("input[value=Next]")
    page.wait_for_url("**/admin/credentials/overview/")
    sign_out(page)

    # A recovery code, once.
    sign_in_with_password(page)
    page.click("text=Use Backup Token")
    page.fill("#id_backup-otp_token", codes[0])
    page.click("input[value=Next]")
    page.wait_for_selector("#overview-link")
    page.goto("/admin/account/")
    assert "9 recovery codes left" in page.inner_text("#content")
    assert "acme" in page.inner_text("#granted-tenants")
    page.screenshot(path=ARTIFACTS / "account.png", full_page=True)


def test_scoped_staff_user_works_in_the_console(page, scoped_staff):
    now = timezone.now()
    make = FACTORIES["twitter"]
    posting = list(REGISTRY["twitter"].token_facts.post_scopes)
    for n in range(3):
        make(customer_id="acme", name=f"acme valid {n}", access_token="t", token_expiry=now + timedelta(days=30),
             scopes=posting)  # fmt: skip
    make(customer_id="acme", name="acme expired", access_token="t", token_expiry=now - timedelta(days=1))
    other = make(customer_id="globex", name="globex secret account", access_token="t")
    # Several active at once, as another service may leave them: the console sorts it out.
    Twitter.objects.filter(customer_id="acme").update(is_active=True)

    enroll_at_first_sign_in(page)

    # Filter by tenant (a text box) and by health.
    page.goto("/admin/credentials/twittercredential/")
    assert "globex secret account" not in page.content()
    page.fill("input[name=customer_id]", "acme")
    page.press("input[name=customer_id]", "Enter")
    page.wait_for_url("**customer_id=acme**")
    page.click("#changelist-filter a:has-text('Working')")
    page.wait_for_url("**health=working**")
    assert "customer_id=acme" in page.url
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3
    assert "acme expired" not in page.content()
    page.screenshot(path=ARTIFACTS / "list.png", full_page=True)

    # Bulk-deactivate two through the confirmation page.
    page.locator("#result_list tbody tr input.action-select").nth(0).check()
    page.locator("#result_list tbody tr input.action-select").nth(1).check()
    page.select_option("select[name=action]", "deactivate_selected")
    page.click("button[name=index]")
    page.wait_for_selector("text=Yes, deactivate them")
    assert page.locator(".deactivate-list li").count() == 2
    page.click("input[value='Yes, deactivate them']")
    page.wait_for_selector(".messagelist")
    assert "Deactivated 2 Twitter/X credentials" in page.inner_text(".messagelist")
    assert Twitter.objects.filter(customer_id="acme", is_active=False, updated_by="alice").count() == 2
    assert Twitter.objects.filter(customer_id="acme", is_active=True).count() == 2

    # Add a credential with secrets: shown as set, never in clear.
    page.goto("/admin/credentials/twittercredential/add/")
    page.fill("#id_name", "acme from the browser")
    page.fill("#id_customer_id", "acme")
    page.select_option("#id_auth_type", "oauth2")
    page.fill("#id_client_id", "browser-client")
    page.fill("#id_client_secret", SENTINEL)
    page.fill("#id_access_token", SENTINEL + "-access")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    created = Twitter.objects.get(name="acme from the browser")
    assert created.created_by == "alice"
    assert page.locator("#id_client_secret").input_value() == ""
    help_text = page.inner_text(".field-client_secret")
    assert f"Set (fingerprint {created.client_secret.fingerprint()})" in help_text
    assert SENTINEL not in page.content()
    page.screenshot(path=ARTIFACTS / "change.png", full_page=True)

    # Another tenant's credential is out of reach, even by URL.
    response = page.goto(f"/admin/credentials/twittercredential/{other.pk}/change/")
    assert response.status == 404
    assert "globex secret account" not in page.content()

    page.goto("/admin/credentials/overview/")
    assert "globex" not in page.content()
    page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)
    for name in ("enroll.png", "recovery_codes.png", "list.png", "change.png", "overview.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


def test_a_customer_connects_a_facebook_page_through_a_link(
    page, scoped_staff, emulator, settings, monkeypatch, live_server
):
    """Staff send a link; the customer, in a browser of their own, approves and picks a page."""
    settings.OAUTH_ORIGIN_OVERRIDES = emulator.origin_overrides()
    settings.CONSOLE_PUBLIC_URL = live_server.url
    for name, value in emulator.app_environment().items():
        monkeypatch.setenv(name, value)
    Facebook = REGISTRY["facebook"].model
    credential = Facebook.objects.create(name="Acme on Facebook", customer_id="acme", platform="facebook")
    wanted_page = emulator.accounts("facebook")[0]["pages"][1]

    enroll_at_first_sign_in(page)
    page.goto(f"/admin/credentials/facebookcredential/{credential.pk}/change/")
    page.click("a.connect-link")
    page.click("input[value='Create the link']")
    link_url = page.locator("input.connect-url").input_value()
    assert link_url.startswith(f"{live_server.url}/connect/")

    customer = page.context.browser.new_context(viewport={"width": 1000, "height": 800})
    browser = customer.new_page()
    browser.goto(link_url)
    assert "asks you to connect your Facebook account Acme on Facebook again" in " ".join(
        browser.inner_text("main").split()
    )
    browser.screenshot(path=ARTIFACTS / "connect_link.png", full_page=True)
    browser.click("text=Continue to Facebook")
    browser.wait_for_selector("button.allow")
    browser.screenshot(path=ARTIFACTS / "connect_consent.png", full_page=True)
    browser.click("button.allow")
    browser.wait_for_selector("text=Which account should")
    browser.screenshot(path=ARTIFACTS / "connect_choice.png", full_page=True)
    browser.check(f"label.choice:has-text('{wanted_page['name']}') input")
    browser.click("text=Connect this account")
    browser.wait_for_selector("h1:has-text('Connected')")
    assert wanted_page["name"] in browser.inner_text("main")
    browser.screenshot(path=ARTIFACTS / "connect_done.png", full_page=True)
    customer.close()

    page.goto(f"/admin/credentials/facebookcredential/{credential.pk}/change/")
    assert page.input_value("#id_page_id") == wanted_page["id"]
    assert "in 1\xa0month" in page.inner_text(".field-token_expires"), "the long-lived user token"
    assert "Used" in page.inner_text(".field-connect_links")
    page.screenshot(path=ARTIFACTS / "connect_staff_after.png", full_page=True)
    page.goto(f"/admin/credentials/facebookcredential/{credential.pk}/history/")
    assert "Access token" in page.inner_text("#change-history")
    connected = Facebook.objects.get(pk=credential.pk)
    assert connected.is_authenticated and connected.page_access_token.reveal()
    for name in ("connect_link.png", "connect_consent.png", "connect_choice.png", "connect_done.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
