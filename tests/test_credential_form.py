"""The add and change forms as staff use them: nothing typed is lost, honest history, clear errors."""

import re

import pytest
from django.contrib.admin.models import LogEntry

from credentials.forms import KEPT_MESSAGE
from credentials.platforms import REGISTRY
from tests.admin_pages import html, messages_of, url
from tests.factories import FACTORIES

Twitter = REGISTRY["twitter"].model
TikTok = REGISTRY["tiktok"].model
KEPT = KEPT_MESSAGE.lower().rstrip(".")
TYPED = {
    "api_key": "typed-api-key",
    "access_token": "TYPED-access-token-7f3a",
    "access_token_secret": "TYPED-token-secret-7f3a",
}


def oauth1_add_form(**changes):
    return {
        "name": "acme legacy",
        "customer_id": "acme",
        "auth_type": "oauth1a",
        "is_authenticated": "on",
        **TYPED,
        **changes,
    }


def kept_token(page):
    return re.search(r'name="kept_secrets" value="([^"]+)"', page).group(1)


def help_of(page, field):
    return re.search(rf'id="id_{field}_helptext">\s*<div>(.*?)</div>', page, re.S).group(1)


def test_x_oauth1_failed_save_keeps_the_typed_tokens_then_stores_them(staff_client):
    page = html(staff_client.post(url(Twitter, "add"), oauth1_add_form()))
    assert "API secret (OAuth 1.0a) is required" in page
    assert not Twitter.objects.exists()
    for name in ("access_token", "access_token_secret"):
        assert f'name="{name}"' in page
        assert KEPT in help_of(page, name).lower()
    for value in TYPED.values():
        if value.startswith("TYPED"):
            assert value not in page

    again = {**oauth1_add_form(access_token="", access_token_secret=""), "api_secret": "typed-api-secret"}
    response = staff_client.post(url(Twitter, "add"), {**again, "kept_secrets": kept_token(page)})
    assert response.status_code == 302, html(response)[:3000]
    stored = Twitter.objects.get(name="acme legacy")
    assert stored.is_authenticated
    assert stored.access_token.reveal() == TYPED["access_token"]
    assert stored.access_token_secret.reveal() == TYPED["access_token_secret"]
    assert stored.api_secret.reveal() == "typed-api-secret"


def test_tiktok_failed_save_keeps_the_typed_tokens_then_stores_them(staff_client):
    form = {
        "name": "acme tok",
        "customer_id": "acme",
        "is_authenticated": "on",
        "client_key": "key",
        "client_secret": "TYPED-client-secret",
        "access_token": "TYPED-tiktok-access",
        "refresh_token": "TYPED-tiktok-refresh",
        "token_expiry_0": "2030-01-02",
        "token_expiry_1": "00:00:00",
        "refresh_token_expiry_0": "2030-01-01",
        "refresh_token_expiry_1": "00:00:00",
    }
    page = html(staff_client.post(url(TikTok, "add"), form))
    assert "Refresh token expiry cannot be before" in page
    assert "TYPED" not in page
    for name in ("client_secret", "access_token", "refresh_token"):
        assert KEPT in help_of(page, name).lower()
    fixed = {**form, "client_secret": "", "access_token": "", "refresh_token": "",
             "refresh_token_expiry_0": "2030-06-01", "kept_secrets": kept_token(page)}  # fmt: skip
    assert staff_client.post(url(TikTok, "add"), fixed).status_code == 302
    stored = TikTok.objects.get(name="acme tok")
    assert stored.is_authenticated
    assert stored.access_token.reveal() == "TYPED-tiktok-access"
    assert stored.refresh_token.reveal() == "TYPED-tiktok-refresh"
    assert stored.client_secret.reveal() == "TYPED-client-secret"


def test_authenticated_needs_an_access_token(staff_client):
    form = oauth1_add_form(access_token="", access_token_secret="", api_key="", is_authenticated="on")
    page = html(staff_client.post(url(Twitter, "add"), form))
    assert "Authenticated needs an access token" in page
    assert not Twitter.objects.exists()


def test_a_kept_secret_is_sealed_in_the_session_and_forgotten_once_saved(staff_client):
    page = html(staff_client.post(url(Twitter, "add"), oauth1_add_form()))
    session = staff_client.session
    raw = str(session.load())
    assert "enc:v2:" in raw
    assert TYPED["access_token"] not in raw and TYPED["access_token_secret"] not in raw
    assert "enc:v2:" not in page  # only the token reaches the page

    done = {
        **oauth1_add_form(access_token="", access_token_secret="", api_secret="s"),
        "kept_secrets": kept_token(page),
    }
    assert staff_client.post(url(Twitter, "add"), done).status_code == 302
    assert "kept_typed_secrets" not in staff_client.session.load()


def test_a_second_failure_keeps_what_was_kept_and_what_is_typed_now(staff_client):
    first = html(staff_client.post(url(Twitter, "add"), oauth1_add_form(access_token_secret="")))
    assert "Access token secret (OAuth 1.0a) is required" in first
    assert KEPT in help_of(first, "access_token").lower()
    # The access token left blank (kept), its secret typed now; the app still half given.
    second_form = {**oauth1_add_form(access_token=""), "kept_secrets": kept_token(first)}
    second = html(staff_client.post(url(Twitter, "add"), second_form))
    assert KEPT in help_of(second, "access_token").lower()
    assert KEPT in help_of(second, "access_token_secret").lower()
    assert kept_token(second) != kept_token(first)  # a new token each round
    # Typing again replaces the kept value.
    last = {**oauth1_add_form(access_token="retyped-token", access_token_secret="", api_secret="s"),
            "kept_secrets": kept_token(second)}  # fmt: skip
    assert staff_client.post(url(Twitter, "add"), last).status_code == 302
    stored = Twitter.objects.get()
    assert stored.access_token.reveal() == "retyped-token"
    assert stored.access_token_secret.reveal() == TYPED["access_token_secret"]


def test_kept_secrets_serve_only_their_own_user_and_form(staff_client, admin_client):
    page = html(staff_client.post(url(Twitter, "add"), oauth1_add_form()))
    token = kept_token(page)
    retry = {**oauth1_add_form(access_token="", access_token_secret="", is_authenticated=""), "api_secret": "s",
             "kept_secrets": token}  # fmt: skip

    # Another user posting the token: nothing of it is used.
    assert admin_client.post(url(Twitter, "add"), {**retry, "name": "by admin"}).status_code == 302
    assert Twitter.objects.get(name="by admin").access_token is None
    # Another form of the same user: another platform's add form, a credential's change form.
    tiktok = {"name": "tok", "customer_id": "acme", "kept_secrets": token}
    assert staff_client.post(url(TikTok, "add"), tiktok).status_code == 302
    assert TikTok.objects.get(name="tok").access_token is None
    existing = FACTORIES["twitter"](customer_id="acme", name="existing", auth_type="oauth1a", client_id=None,
                                    client_secret=None)  # fmt: skip
    change = {**retry, "name": "existing", "api_key": "", "api_secret": ""}
    assert staff_client.post(url(Twitter, "change", existing.pk), change).status_code == 302
    assert Twitter.objects.get(pk=existing.pk).access_token is None
    # Its own form still has them.
    assert staff_client.post(url(Twitter, "add"), {**retry, "is_authenticated": "on"}).status_code == 302
    assert Twitter.objects.get(name="acme legacy").access_token.reveal() == TYPED["access_token"]


def test_kept_secrets_expire(staff_client, monkeypatch):
    from credentials import kept_secrets

    monkeypatch.setattr(kept_secrets, "KEPT_FOR", -1)  # abandoned as soon as kept
    page = html(staff_client.post(url(Twitter, "add"), oauth1_add_form()))
    retry = {**oauth1_add_form(access_token="", access_token_secret=""), "api_secret": "s",
             "kept_secrets": kept_token(page)}  # fmt: skip
    again = html(staff_client.post(url(Twitter, "add"), retry))
    assert "Authenticated needs an access token" in again


def test_add_form_shows_no_credential_id_and_change_form_shows_it_to_copy(staff_client):
    add = html(staff_client.get(url(Twitter, "add")))
    assert "field-credential_id" not in add
    credential = FACTORIES["twitter"](customer_id="acme")
    change = html(staff_client.get(url(Twitter, "change", credential.pk)))
    readonly = re.search(r'field-credential_id">.*?<div class="readonly">(.*?)</div>', change, re.S).group(1)
    assert readonly == credential.credential_id
    assert 'name="credential_id"' not in change
    assert '<script src="/static/credentials/copy_credential_id.js">' in change


def unchanged_form(credential):
    return {
        "name": credential.name,
        "customer_id": credential.customer_id,
        "auth_type": credential.auth_type,
        "client_id": credential.client_id,
        "username": credential.username,
        "scopes": ",".join(credential.scopes),
        "initial-scopes": ",".join(credential.scopes),  # as the browser posts it (a field with a default)
        "is_authenticated": "on" if credential.is_authenticated else "",
    }


def test_a_save_that_changes_nothing_writes_no_history_and_keeps_updated_at(staff_client):
    credential = FACTORIES["twitter"](customer_id="acme", access_token="t", updated_by="someone")
    before = Twitter.objects.get(pk=credential.pk)
    response = staff_client.post(url(Twitter, "change", credential.pk), unchanged_form(credential))
    assert response.status_code == 302, html(response)[:3000]
    after = Twitter.objects.get(pk=credential.pk)
    assert (after.updated_at, after.updated_by) == (before.updated_at, "someone")
    assert not LogEntry.objects.filter(object_id=str(credential.pk)).exists()
    assert messages_of(response) == ["Nothing was changed, so nothing was saved."]


def test_history_tells_a_replaced_secret_from_a_set_and_a_cleared_one(staff_client):
    credential = FACTORIES["twitter"](customer_id="acme", access_token="old", refresh_token="old refresh")
    form = {**unchanged_form(credential), "access_token": "new", "refresh_token_clear": "on", "client_secret": ""}
    assert staff_client.post(url(Twitter, "change", credential.pk), form).status_code == 302
    form = {**unchanged_form(credential), "access_token_secret": "first"}
    assert staff_client.post(url(Twitter, "change", credential.pk), form).status_code == 302
    entries = LogEntry.objects.filter(object_id=str(credential.pk)).order_by("action_time")
    assert [e.get_change_message() for e in entries] == [
        "Changed Access token (replaced) and Refresh token (cleared).",
        "Changed Access token secret (OAuth 1.0a) (set).",
    ]
    stored = Twitter.objects.get(pk=credential.pk)
    assert stored.access_token.reveal() == "new" and stored.refresh_token is None


def test_clear_boxes_only_for_stored_secrets(staff_client):
    credential = FACTORIES["twitter"](customer_id="acme", access_token="t", client_secret="c")
    page = html(staff_client.get(url(Twitter, "change", credential.pk)))
    assert 'name="access_token_clear"' in page and 'name="client_secret_clear"' in page
    assert 'name="refresh_token_clear"' not in page and 'name="api_secret_clear"' not in page
    assert "_clear" not in html(staff_client.get(url(Twitter, "add")))


def test_fields_the_publishing_services_keep_are_read_only(staff_client):
    credential = FACTORIES["twitter"](customer_id="acme", access_token="t", post_count=7, last_post_status="ok")
    page = html(staff_client.get(url(Twitter, "change", credential.pk)))
    for name in ("last_used_at", "post_count", "last_post_status", "last_token_refresh"):
        assert f'name="{name}"' not in page
        assert f"field-{name}" in page
    form = {**unchanged_form(credential), "post_count": "0", "last_post_status": "forged", "name": "renamed"}
    assert staff_client.post(url(Twitter, "change", credential.pk), form).status_code == 302
    stored = Twitter.objects.get(pk=credential.pk)
    assert (stored.name, stored.post_count, stored.last_post_status) == ("renamed", 7, "ok")
    tiktok = html(staff_client.get(url(TikTok, "add")))
    assert 'name="upload_count"' not in tiktok and 'name="last_used_at"' not in tiktok


def test_error_messages_name_fields_by_their_labels(staff_client):
    form = {"name": "x", "customer_id": "acme", "auth_type": "oauth2", "client_id": "only half"}
    page = html(staff_client.post(url(Twitter, "add"), form))
    assert "Client secret (OAuth 2.0) is required: a credential&#x27;s own OAuth 2.0 app needs both" in page
    assert "client_secret" not in page.split('id="id_client_secret_error"')[1].split("</ul>")[0]


# Tenant ids ---------------------------------------------------------------------------------


def test_tenant_ids_are_trimmed(staff_client):
    form = {"name": "trimmed", "customer_id": "  acme\t", "auth_type": "oauth2"}
    assert staff_client.post(url(Twitter, "add"), form).status_code == 302
    assert Twitter.objects.get(name="trimmed").customer_id == "acme"


def test_scopes_are_read_as_oauth_writes_them_space_separated_or_with_commas(staff_client):
    typed = "tweet.read tweet.write,users.read  offline.access"
    form = {"name": "scoped", "customer_id": "acme", "auth_type": "oauth2", "scopes": typed}
    assert "separated by spaces or commas" in html(staff_client.get(url(Twitter, "add")))
    assert staff_client.post(url(Twitter, "add"), form).status_code == 302
    assert Twitter.objects.get(name="scoped").scopes == ["tweet.read", "tweet.write", "users.read", "offline.access"]


@pytest.mark.parametrize(
    ("typed", "named"),
    [("ac me", "space (U+0020)"), ("ac\tme", "(U+0009) at position 3"), ("ac\u200bme", "zero width space (U+200B)")],
)
def test_tenant_ids_with_blanks_or_control_characters_inside_are_refused(admin_client, typed, named):
    form = {"name": "bad", "customer_id": typed, "auth_type": "oauth2", "confirm_new_tenant": typed}
    page = html(admin_client.post(url(Twitter, "add"), form))
    error = page.split('id="id_customer_id_error"')[1].split("</ul>")[0]
    assert "A tenant id cannot hold spaces or control characters" in error and named in error
    assert not Twitter.objects.exists()


def test_a_new_tenant_is_confirmed_first_and_nothing_typed_is_lost(admin_client):
    FACTORIES["youtube"](customer_id="acme")
    form = {"name": "typo", "customer_id": "acmee", "auth_type": "oauth2", "client_id": "c",
            "client_secret": "TYPED-new-tenant-secret"}  # fmt: skip
    page = html(admin_client.post(url(Twitter, "add"), form))
    assert "No customer “acmee” yet: create it?" in page
    assert 'type="checkbox" name="confirm_new_tenant" value="acmee"' in page
    assert "TYPED-new-tenant-secret" not in page
    assert KEPT in help_of(page, "client_secret").lower()
    assert not Twitter.objects.exists()

    # Ticked for acmee, but the id corrected meanwhile to another new one: asked again.
    other = {**form, "customer_id": "initech", "client_secret": "", "confirm_new_tenant": "acmee",
             "kept_secrets": kept_token(page)}  # fmt: skip
    page = html(admin_client.post(url(Twitter, "add"), other))
    assert "No customer “initech” yet: create it?" in page

    confirmed = {**other, "confirm_new_tenant": "initech", "kept_secrets": kept_token(page)}
    assert admin_client.post(url(Twitter, "add"), confirmed).status_code == 302
    stored = Twitter.objects.get(customer_id="initech")
    assert stored.client_secret.reveal() == "TYPED-new-tenant-secret"
    assert not LogEntry.objects.exclude(action_flag=1).exists()


def test_a_tenant_known_by_any_platform_or_grant_is_not_asked_about(admin_client, staff_user):
    FACTORIES["reddit"](customer_id="hooli")
    for tenant in ("hooli", "globex"):  # a Reddit credential's tenant; a tenant granted to staff
        form = {"name": f"for {tenant}", "customer_id": tenant, "auth_type": "oauth2"}
        assert admin_client.post(url(Twitter, "add"), form).status_code == 302


def test_moving_a_credential_to_a_new_tenant_is_confirmed_too(admin_client):
    credential = FACTORIES["twitter"](customer_id="acme", is_authenticated=False)
    form = {**unchanged_form(credential), "customer_id": "acmee"}
    assert "No customer “acmee” yet" in html(admin_client.post(url(Twitter, "change", credential.pk), form))
    assert Twitter.objects.get(pk=credential.pk).customer_id == "acme"
    renamed = {**unchanged_form(credential), "name": "renamed"}  # its own tenant: never asked
    assert admin_client.post(url(Twitter, "change", credential.pk), renamed).status_code == 302


def test_authenticated_with_a_stored_token_saves(staff_client):
    credential = FACTORIES["twitter"](customer_id="acme", access_token="t")
    form = {**unchanged_form(credential), "name": "renamed"}
    assert staff_client.post(url(Twitter, "change", credential.pk), form).status_code == 302
    cleared = {**unchanged_form(credential), "access_token_clear": "on"}
    page = html(staff_client.post(url(Twitter, "change", credential.pk), cleared))
    assert "Authenticated needs an access token" in page.split('id="id_is_authenticated_error"')[1]


def test_a_secret_typed_with_its_clear_box_ticked_is_kept_while_staff_choose(staff_client):
    credential = FACTORIES["twitter"](customer_id="acme", access_token="old")
    both = {**unchanged_form(credential), "access_token": "TYPED-and-cleared", "access_token_clear": "on"}
    page = html(staff_client.post(url(Twitter, "change", credential.pk), both))
    assert "Type a new access token or tick “clear”, not both." in page
    assert "TYPED-and-cleared" not in page
    assert KEPT in help_of(page, "access_token").lower()
    chosen = {**unchanged_form(credential), "kept_secrets": kept_token(page)}
    assert staff_client.post(url(Twitter, "change", credential.pk), chosen).status_code == 302
    assert Twitter.objects.get(pk=credential.pk).access_token.reveal() == "TYPED-and-cleared"
