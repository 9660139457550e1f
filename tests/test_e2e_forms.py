"""End to end in a real browser: a credential form that fails to save keeps every secret typed into it.

As tests/test_e2e.py (whose browser, user and sign-in it uses): Debian's headless Chromium against a
live server on the test database. The screenshot goes to tests/artifacts/.
"""

import pytest
from django.contrib.auth.models import User

from credentials.forms import KEPT_MESSAGE
from credentials.platforms import REGISTRY
from tests.factories import FACTORIES
from tests.test_e2e import ARTIFACTS, PASSWORD, enroll_at_first_sign_in, page, scoped_staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e
Twitter = REGISTRY["twitter"].model
TYPED = {
    "access_token": "TYPED-browser-access-3c9e",
    "access_token_secret": "TYPED-browser-token-secret-3c9e",
    "client_secret": "TYPED-browser-client-secret-3c9e",
}


def test_a_failed_save_keeps_every_typed_secret_until_the_form_saves(page, scoped_staff):  # noqa: F811
    enroll_at_first_sign_in(page)
    page.goto("/admin/credentials/twittercredential/add/")
    assert page.locator(".field-credential_id").count() == 0  # no id until it is saved
    page.fill("#id_name", "acme legacy from the browser")
    page.fill("#id_customer_id", "acme")
    page.select_option("#id_auth_type", "oauth1a")
    page.fill("#id_api_key", "browser-api-key")  # its API secret forgotten
    for name, value in TYPED.items():
        page.fill(f"#id_{name}", value)
    page.check("#id_is_authenticated")
    page.click("input[name=_continue]")
    page.wait_for_selector(".errornote")

    assert "API secret (OAuth 1.0a) is required" in page.inner_text(".field-api_secret")
    source = page.content()
    for name, value in TYPED.items():
        assert page.input_value(f"#id_{name}") == ""
        assert KEPT_MESSAGE in page.inner_text(f"#id_{name}_helptext")
        assert value not in source
    assert "enc:v" not in source
    page.locator(".field-api_secret").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "form_kept_secrets.png", full_page=True)

    page.fill("#id_api_secret", "browser-api-secret")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    stored = Twitter.objects.get(name="acme legacy from the browser")
    assert stored.is_authenticated
    for name, value in TYPED.items():
        assert getattr(stored, name).reveal() == value
    assert stored.api_secret.reveal() == "browser-api-secret"
    assert "Set (fingerprint" in page.inner_text("#id_access_token_helptext")

    # The change page shows the saved credential_id with a button copying it.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    assert page.inner_text(".field-credential_id .readonly") == stored.credential_id
    page.click("button.copy-credential-id")
    page.wait_for_selector("button.copy-credential-id:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == stored.credential_id
    page.screenshot(path=ARTIFACTS / "form_saved.png", full_page=True)
    assert (ARTIFACTS / "form_kept_secrets.png").stat().st_size > 10_000


@pytest.fixture
def superuser(transactional_db):
    """alice (the name tests/test_e2e.py signs in with), a superuser: every tenant, and new ones."""
    return User.objects.create_superuser("alice", password=PASSWORD)


def test_a_new_customer_is_confirmed_without_losing_what_was_typed(page, superuser):  # noqa: F811
    FACTORIES["youtube"](customer_id="acme")
    enroll_at_first_sign_in(page)
    page.goto("/admin/credentials/twittercredential/add/")
    page.fill("#id_name", "typo tenant")
    page.fill("#id_customer_id", "  acmee ")
    page.fill("#id_client_id", "browser-client")
    page.fill("#id_client_secret", TYPED["client_secret"])
    page.click("input[name=_continue]")
    page.wait_for_selector(".errornote")
    assert "No customer “acmee” yet: create it?" in page.inner_text(".field-customer_id")
    assert KEPT_MESSAGE in page.inner_text("#id_client_secret_helptext")
    assert TYPED["client_secret"] not in page.content()
    page.screenshot(path=ARTIFACTS / "form_new_customer.png", full_page=True)

    page.check("#id_confirm_new_tenant")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    stored = Twitter.objects.get(name="typo tenant")
    assert stored.customer_id == "acmee"
    assert stored.client_secret.reveal() == TYPED["client_secret"]
