"""The platform emulator (devtools/oauth_emulator) over real HTTP, its knobs and its command; no database."""

import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth1Session
from django.test import override_settings

from credentials.platforms import REGISTRY
from devtools.oauth_emulator import CLIENTS, OAUTH1_CONSUMER, ConsentPageError, start_emulator
from oauth.client import AppCredentials, PlatformClient

PROJECT_DIR = Path(__file__).resolve().parent.parent
CALLBACK = "http://127.0.0.1:8000/connect/callback/{}/"
YT = "https://www.googleapis.com/auth/youtube"
REDDIT_AGENT = {"User-Agent": "server:emulator-tests:1.0 (by /u/tests)"}


@pytest.fixture(scope="module")
def emu():
    running = start_emulator()
    yield running
    running.stop()


def at(emu, url):
    """A real platform URL as the emulator serves it."""
    return emu.local_url(url)


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, {"code_challenge": challenge, "code_challenge_method": "S256"}


def query_of(location):
    return dict(parse_qsl(urlsplit(location).query))


def basic(key):
    return CLIENTS[key]


# What each platform's authorize request looks like (the declarations in credentials/platforms).
AUTHORIZE = {
    "youtube": (
        "https://accounts.google.com/o/oauth2/v2/auth",
        {"scope": f"{YT}.upload {YT}.readonly", "access_type": "offline", "prompt": "consent"},
    ),
    "facebook": (
        "https://www.facebook.com/v24.0/dialog/oauth",
        {"scope": "pages_manage_posts,pages_read_engagement,pages_show_list"},
    ),
    "instagram": (
        "https://www.facebook.com/v24.0/dialog/oauth",
        {"scope": "instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement"},
    ),
    "tiktok": (
        "https://www.tiktok.com/v2/auth/authorize/",
        {"scope": "user.info.basic,user.info.profile,video.publish"},
    ),
    "twitter": ("https://x.com/i/oauth2/authorize", {"scope": "tweet.read tweet.write users.read offline.access"}),
    "linkedin": (
        "https://www.linkedin.com/oauth/v2/authorization",
        {"scope": "openid profile w_member_social w_organization_social rw_organization_admin"},
    ),
    "reddit": ("https://www.reddit.com/api/v1/authorize", {"scope": "identity submit", "duration": "permanent"}),
}


def authorize_url(emu, key, *, pkce=None, **params):
    """(authorize URL at the emulator, PKCE verifier or None); params override or (None) drop."""
    url, defaults = AUTHORIZE[key]
    id_param = "client_key" if key == "tiktok" else "client_id"
    query = {id_param: CLIENTS[key][0], "response_type": "code", "redirect_uri": CALLBACK.format(key)}
    query.update(state="state-1", **defaults)
    verifier = None
    if pkce if pkce is not None else key in ("tiktok", "twitter"):
        verifier, challenge = pkce_pair()
        query.update(challenge)
    query.update(params)
    return at(emu, url) + "?" + urlencode({k: v for k, v in query.items() if v is not None}), verifier


def code_for(emu, key, *, consent=None, **params):
    """(code, verifier) after a person allows."""
    url, verifier = authorize_url(emu, key, **params)
    answer = query_of(emu.consent(url, **(consent or {})))
    assert answer["state"] == "state-1"
    return answer["code"], verifier


# --- Public API ------------------------------------------------------------------------


def test_every_registry_platform_has_an_app_and_every_declared_origin_is_served(emu):
    assert set(CLIENTS) == set(REGISTRY)
    assert CLIENTS["tiktok"] == ("emulator-tiktok", "emulator-tiktok-secret")
    environment = emu.app_environment()
    for key, (client_id, client_secret) in CLIENTS.items():
        assert environment[f"{key.upper()}_OAUTH_CLIENT_ID"] == client_id
        assert environment[f"{key.upper()}_OAUTH_CLIENT_SECRET"] == client_secret
    overrides = emu.origin_overrides()
    assert overrides["https://graph.facebook.com"] == f"{emu.base_url}/graph.facebook.com"
    assert len(overrides) == 13
    for platform in REGISTRY.values():
        urls = [platform.oauth.authorize_url, platform.oauth.token_url, platform.oauth.revocation_url]
        if platform.oauth1:
            urls += [platform.oauth1.request_token_url, platform.oauth1.access_token_url]
        for url in filter(None, urls):
            parts = urlsplit(url)
            assert f"{parts.scheme}://{parts.netloc}" in overrides, url


def test_two_accounts_per_platform_as_data(emu):
    for key in CLIENTS:
        assert len(emu.accounts(key)) == 2, key
    assert emu.accounts("youtube")[0]["id"] == "UCemulatorChannel000001"
    one, two = emu.accounts("facebook")
    assert len(one["pages"]) == 2 and len(two["pages"]) == 1
    assert sum("instagram_business_account" in page for page in one["pages"]) == 1
    assert "instagram_business_account" in two["pages"][0]
    assert emu.accounts("instagram") == emu.accounts("facebook")
    assert [len(member["organizations"]) for member in emu.accounts("linkedin")] == [2, 0]
    emu.accounts("reddit")[0]["name"] = "changed"
    assert emu.accounts("reddit")[0]["name"] != "changed", "a copy"
    with pytest.raises(ValueError):
        emu.accounts("myspace")


def test_the_consent_page_names_the_app_offers_accounts_and_a_box_per_scope(emu):
    url, _ = authorize_url(emu, "facebook")
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "<title>Emulated Facebook — sign in and allow</title>" in html
    assert "Development emulator" in html and "emulator-facebook" in html
    assert html.count('type="checkbox" name="scope"') == 3 and html.count(" checked>") == 3
    assert html.count("<option") == 2 and "Emulated Person One" in html
    assert 'value="allow"' in html and 'value="deny"' in html


def test_an_invalid_authorize_request_shows_an_error_page_and_redirects_nowhere(emu):
    cases = [
        {"client_id": "someone-else"},
        {"response_type": "token"},
        {"redirect_uri": None},
        {"scope": "pages_manage_posts pages_show_list"},  # Facebook's separator is a comma
    ]
    for params in cases:
        url, _ = authorize_url(emu, "facebook", **params)
        page = requests.get(url, allow_redirects=False, timeout=5)
        assert page.status_code == 400 and "Location" not in page.headers, params
        assert "request refused" in page.text
    with pytest.raises(ConsentPageError, match="separates scopes with ','"):
        emu.consent(authorize_url(emu, "facebook", scope="pages_manage_posts pages_show_list")[0])


def test_a_consent_page_is_answered_once(emu):
    url, _ = authorize_url(emu, "youtube")
    page = requests.get(url, timeout=5).text
    consent_id = page.split('name="consent" value="')[1].split('"')[0]
    form = {"consent": consent_id, "account": "UCemulatorChannel000001", "decision": "allow"}
    first = requests.post(url.split("?")[0], data=form, allow_redirects=False, timeout=5)
    assert first.status_code == 302 and "code=" in first.headers["Location"]
    again = requests.post(url.split("?")[0], data=form, allow_redirects=False, timeout=5)
    assert again.status_code == 400


# --- Google (YouTube) ------------------------------------------------------------------


def google_token(emu, **form):
    return requests.post(at(emu, "https://oauth2.googleapis.com/token"), data=form, timeout=5)


def google_code_grant(emu, code, verifier=None, **extra):
    client_id, secret = CLIENTS["youtube"]
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("youtube"))
    form.update(client_id=client_id, client_secret=secret)
    form.update(extra)
    if verifier:
        form["code_verifier"] = verifier
    return google_token(emu, **form)


def channels(emu, token):
    return requests.get(
        at(emu, "https://www.googleapis.com/youtube/v3/channels"),
        params={"part": "snippet", "mine": "true"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def test_google_code_refresh_identity_and_revocation(emu):
    code, verifier = code_for(emu, "youtube", pkce=True, consent={"account": 1})
    answer = google_code_grant(emu, code, verifier)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and 3000 < tokens["expires_in"] <= 3600
    assert tokens["scope"] == f"{YT}.upload {YT}.readonly"
    assert tokens["refresh_token"]

    channel = channels(emu, tokens["access_token"]).json()["items"][0]
    assert channel["id"] == "UCemulatorChannel000002" and channel["snippet"]["title"] == "Emulated Channel Two"

    client_id, secret = CLIENTS["youtube"]
    refreshed = google_token(
        emu,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=client_id,
        client_secret=secret,
    ).json()
    assert refreshed["access_token"] != tokens["access_token"] and "refresh_token" not in refreshed
    again = google_token(
        emu,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=client_id,
        client_secret=secret,
    )
    assert again.status_code == 200, "not rotated: the stored refresh token keeps working"

    revoked = requests.post(at(emu, "https://oauth2.googleapis.com/revoke"), data={"token": tokens["access_token"]})
    assert revoked.status_code == 200
    dead = channels(emu, refreshed["access_token"])
    assert dead.status_code == 401 and dead.json()["error"]["status"] == "UNAUTHENTICATED"
    refused = google_token(
        emu,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=client_id,
        client_secret=secret,
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_google_takes_basic_auth_and_needs_access_type_offline_for_a_refresh_token(emu):
    code, _ = code_for(emu, "youtube", access_type=None, prompt=None)
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("youtube"))
    answer = requests.post(at(emu, "https://oauth2.googleapis.com/token"), data=form, auth=CLIENTS["youtube"])
    assert answer.status_code == 200 and "refresh_token" not in answer.json()


def test_scopes_as_granted_and_an_unticked_read_scope_refuses_the_channel_lookup(emu):
    code, _ = code_for(emu, "youtube", consent={"scopes": [f"{YT}.upload"]})
    tokens = google_code_grant(emu, code).json()
    assert tokens["scope"] == f"{YT}.upload"
    refused = channels(emu, tokens["access_token"])
    assert refused.status_code == 403 and refused.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"


def test_a_code_is_single_use_bound_to_its_redirect_uri_client_and_verifier_and_lives_ten_minutes(emu):
    code, verifier = code_for(emu, "youtube", pkce=True)
    wrong_redirect = google_code_grant(emu, code, verifier, redirect_uri="http://127.0.0.1:8000/elsewhere/")
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_grant"
    assert google_code_grant(emu, code, "x" * 50).json()["error"] == "invalid_grant"
    assert google_code_grant(emu, code).json()["error"] == "invalid_grant", "a challenged code needs its verifier"
    wrong_secret = google_code_grant(emu, code, verifier, client_secret="guessed")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert google_code_grant(emu, code, verifier).status_code == 200
    replay = google_code_grant(emu, code, verifier)
    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]

    code, _ = code_for(emu, "youtube")
    emu.advance_clock(601)
    expired = google_code_grant(emu, code)
    assert expired.status_code == 400 and "expired" in expired.json()["error_description"]


def test_a_denial_redirects_with_the_platforms_error(emu):
    url, _ = authorize_url(emu, "youtube")
    assert query_of(emu.consent(url, allow=False)) == {"error": "access_denied", "state": "state-1"}
    url, _ = authorize_url(emu, "facebook")
    assert query_of(emu.consent(url, allow=False)) == {
        "error": "access_denied",
        "error_reason": "user_denied",
        "error_description": "Permissions error",
        "state": "state-1",
    }


# --- Facebook and Instagram ------------------------------------------------------------------


def graph(emu, path, token, method="GET", **params):
    url = at(emu, f"https://graph.facebook.com/v24.0/{path}")
    return requests.request(method, url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def facebook_token(emu, key, **query):
    client_id, secret = CLIENTS[key]
    query = {"client_id": client_id, "client_secret": secret, **query}
    return requests.get(at(emu, "https://graph.facebook.com/v24.0/oauth/access_token"), params=query, timeout=5)


def test_facebook_exchanges_a_code_by_get_then_a_long_lived_token_and_lists_pages(emu):
    code, _ = code_for(emu, "facebook")
    posted = requests.post(
        at(emu, "https://graph.facebook.com/v24.0/oauth/access_token"),
        data={"client_id": CLIENTS["facebook"][0], "client_secret": CLIENTS["facebook"][1], "code": code},
    )
    assert posted.status_code == 400 and posted.json()["error"]["type"] == "OAuthException"
    no_secret = facebook_token(
        emu, "facebook", client_secret="guessed", code=code, redirect_uri=CALLBACK.format("facebook")
    )
    assert no_secret.status_code == 400 and no_secret.json()["error"]["message"] == "Error validating client secret."

    short = facebook_token(emu, "facebook", code=code, redirect_uri=CALLBACK.format("facebook")).json()
    assert short["token_type"] == "bearer" and 3600 <= short["expires_in"] <= 7200 and "scope" not in short
    long = facebook_token(emu, "facebook", grant_type="fb_exchange_token", fb_exchange_token=short["access_token"])
    long = long.json()
    assert abs(long["expires_in"] - 5_184_000) < 60 and long["access_token"] != short["access_token"]

    me = graph(emu, "me", long["access_token"], fields="id,name").json()
    assert me == {"id": "100000000000001", "name": "Emulated Person One"}
    pages = graph(emu, "me/accounts", long["access_token"]).json()["data"]
    assert [page["name"] for page in pages] == ["Emulated Page One", "Emulated Page Two"]
    assert all(page["access_token"] and page["tasks"] for page in pages)
    page_token = pages[0]["access_token"]
    emu.advance_clock(7201)
    assert graph(emu, "me", short["access_token"]).status_code == 401, "the short-lived token expired"
    assert graph(emu, "me", page_token).json()["id"] == pages[0]["id"], "a page token from a long-lived one lasts"

    permissions = graph(emu, "me/permissions", long["access_token"]).json()["data"]
    assert {"permission": "pages_show_list", "status": "granted"} in permissions
    assert graph(emu, "me/permissions", long["access_token"], method="DELETE").json() == {"success": True}
    dead = graph(emu, "me", long["access_token"])
    assert dead.status_code == 401 and dead.json()["error"]["code"] == 190
    assert graph(emu, "me", page_token).status_code == 401, "deauthorizing ends page tokens too"


def test_instagram_apps_reach_the_business_account_behind_a_page(emu):
    code, _ = code_for(emu, "instagram", consent={"account": emu.accounts("instagram")[0]})
    token = facebook_token(emu, "instagram", code=code, redirect_uri=CALLBACK.format("instagram")).json()[
        "access_token"
    ]
    one, two = emu.accounts("instagram")[0]["pages"]
    fields = "instagram_business_account{id,username}"
    with_account = requests.get(
        at(emu, f"https://graph.facebook.com/v24.0/{one['id']}"),
        params={"fields": fields, "access_token": token},  # Graph takes the token as a query parameter too
    ).json()
    assert with_account == {"id": one["id"], "instagram_business_account": one["instagram_business_account"]}
    assert graph(emu, two["id"], token, fields=fields).json() == {"id": two["id"]}
    someone_elses = graph(emu, emu.accounts("facebook")[1]["pages"][0]["id"], token, fields=fields)
    assert someone_elses.status_code == 400 and someone_elses.json()["error"]["code"] == 100


def test_facebook_permissions_report_what_was_declined(emu):
    code, _ = code_for(emu, "facebook", consent={"scopes": ["pages_manage_posts", "pages_read_engagement"]})
    token = facebook_token(emu, "facebook", code=code, redirect_uri=CALLBACK.format("facebook")).json()["access_token"]
    permissions = graph(emu, "me/permissions", token).json()["data"]
    assert {"permission": "pages_show_list", "status": "declined"} in permissions
    assert graph(emu, "me/accounts", token).json()["data"] == [], "no pages without pages_show_list"


# --- TikTok ----------------------------------------------------------------------------------


def tiktok_token(emu, **form):
    return requests.post(at(emu, "https://open.tiktokapis.com/v2/oauth/token/"), data=form, timeout=5)


def tiktok_code_grant(emu, code, verifier, **override):
    form = dict(client_key=CLIENTS["tiktok"][0], client_secret=CLIENTS["tiktok"][1], code=code)
    form.update(grant_type="authorization_code", redirect_uri=CALLBACK.format("tiktok"), code_verifier=verifier)
    form.update(override)
    return tiktok_token(emu, **{k: v for k, v in form.items() if v is not None})


def user_info(emu, token, fields="open_id,display_name,username"):
    return requests.get(
        at(emu, "https://open.tiktokapis.com/v2/user/info/"),
        params={"fields": fields},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def test_tiktok_requires_pkce_and_client_key(emu):
    url, _ = authorize_url(emu, "tiktok", pkce=False)
    assert requests.get(url, timeout=5).status_code == 400
    url, _ = authorize_url(emu, "tiktok", code_challenge_method="plain")
    assert requests.get(url, timeout=5).status_code == 400

    url, verifier = authorize_url(emu, "tiktok")
    answer = query_of(emu.consent(url))
    assert answer["scopes"] == "user.info.basic,user.info.profile,video.publish"
    code = answer["code"]
    renamed = tiktok_code_grant(emu, code, verifier, client_key=None, client_id=CLIENTS["tiktok"][0])
    assert renamed.status_code == 400 and "client_key" in renamed.json()["error_description"]
    assert renamed.json()["log_id"]
    wrong_verifier = tiktok_code_grant(emu, code, verifier[::-1])
    assert wrong_verifier.json()["error"] == "invalid_grant"
    tokens = tiktok_code_grant(emu, code, verifier).json()
    assert tokens["open_id"] == "emulator-open-id-0001" and tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "user.info.basic,user.info.profile,video.publish"
    assert tokens["refresh_expires_in"] == 31_536_000 and tokens["expires_in"] == 86_400
    user = user_info(emu, tokens["access_token"]).json()
    assert user["error"]["code"] == "ok"
    assert user["data"]["user"] == {
        "open_id": "emulator-open-id-0001",
        "display_name": "Emulated Creator One",
        "username": "emulated.creator.one",
    }
    assert user_info(emu, tokens["access_token"], fields="open_id").json()["data"]["user"] == {
        "open_id": "emulator-open-id-0001"
    }


def test_tiktok_username_needs_user_info_profile(emu):
    code, verifier = code_for(emu, "tiktok", consent={"scopes": ["user.info.basic", "video.publish"]})
    token = tiktok_code_grant(emu, code, verifier).json()["access_token"]
    assert "username" not in user_info(emu, token).json()["data"]["user"]


def test_tiktok_rotates_refresh_tokens_refuses_a_spent_one_and_revokes(emu):
    code, verifier = code_for(emu, "tiktok")
    first = tiktok_code_grant(emu, code, verifier).json()
    client = {"client_key": CLIENTS["tiktok"][0], "client_secret": CLIENTS["tiktok"][1]}
    second = tiktok_token(emu, grant_type="refresh_token", refresh_token=first["refresh_token"], **client).json()
    assert second["refresh_token"] != first["refresh_token"] and second["refresh_expires_in"] > 0
    spent = tiktok_token(emu, grant_type="refresh_token", refresh_token=first["refresh_token"], **client)
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
    third = tiktok_token(emu, grant_type="refresh_token", refresh_token=second["refresh_token"], **client)
    assert third.status_code == 200, "a spent token refused leaves the chain alive"

    revoke = at(emu, "https://open.tiktokapis.com/v2/oauth/revoke/")
    assert requests.post(revoke, data={"token": third.json()["access_token"]}).status_code == 400, "client needed"
    assert requests.post(revoke, data={"token": third.json()["access_token"], **client}).status_code == 200
    dead = user_info(emu, third.json()["access_token"])
    assert dead.status_code == 401 and dead.json()["error"]["code"] == "access_token_invalid"
    again = tiktok_token(emu, grant_type="refresh_token", refresh_token=third.json()["refresh_token"], **client)
    assert again.json()["error"] == "invalid_grant"


# --- X OAuth 2.0 -------------------------------------------------------------------------------


def x_token(emu, form, auth=CLIENTS["twitter"]):
    return requests.post(at(emu, "https://api.x.com/2/oauth2/token"), data=form, auth=auth, timeout=5)


def users_me(emu, token):
    return requests.get(at(emu, "https://api.x.com/2/users/me"), headers={"Authorization": f"Bearer {token}"})


def x_connect(emu, **consent):
    code, verifier = code_for(emu, "twitter", consent=consent)
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("twitter"))
    return x_token(emu, {**form, "code_verifier": verifier}).json()


def test_x_requires_pkce_state_and_http_basic(emu):
    assert requests.get(authorize_url(emu, "twitter", pkce=False)[0]).status_code == 400
    assert requests.get(authorize_url(emu, "twitter", state=None)[0]).status_code == 400
    code, verifier = code_for(emu, "twitter")
    client_id, secret = CLIENTS["twitter"]
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("twitter"))
    in_form = x_token(emu, {**form, "code_verifier": verifier, "client_id": client_id, "client_secret": secret}, None)
    assert in_form.status_code == 401 and in_form.json()["error"] == "unauthorized_client"
    without_verifier = x_token(emu, form)
    assert without_verifier.status_code == 400 and without_verifier.json()["error"] == "invalid_grant"
    tokens = x_token(emu, {**form, "code_verifier": verifier}).json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 7200 and tokens["refresh_token"]
    assert tokens["scope"] == "tweet.read tweet.write users.read offline.access"
    assert users_me(emu, tokens["access_token"]).json() == {
        "data": {"id": "1500000000000000001", "name": "Emulated Poster One", "username": "emulated_one"}
    }


def test_x_without_offline_access_issues_no_refresh_token(emu):
    tokens = x_connect(emu, scopes=["tweet.read", "users.read"])
    assert "refresh_token" not in tokens and tokens["scope"] == "tweet.read users.read"


def test_x_replaying_a_spent_refresh_token_revokes_the_whole_chain(emu):
    first = x_connect(emu, account=1)
    second = x_token(emu, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert users_me(emu, second["access_token"]).json()["data"]["username"] == "emulated_two"
    replay = x_token(emu, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert users_me(emu, second["access_token"]).status_code == 401
    after = x_token(emu, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert after.json()["error"] == "invalid_grant", "the newest refresh token died with the chain"


def test_x_revocation_of_a_refresh_token_ends_its_grant(emu):
    tokens = x_connect(emu)
    revoke = at(emu, "https://api.x.com/2/oauth2/revoke")
    answer = requests.post(revoke, data={"token": tokens["refresh_token"]}, auth=CLIENTS["twitter"])
    assert answer.json() == {"revoked": True}
    assert users_me(emu, tokens["access_token"]).status_code == 401
    refused = x_token(emu, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refused.json()["error"] == "invalid_grant"


def test_minted_tokens_are_the_stores_own_each_on_a_grant_of_its_own(emu):
    minted = emu.mint_tokens("twitter", 3, account=1, scopes=["tweet.read", "users.read", "offline.access"])
    assert len({answer["refresh_token"] for answer in minted}) == 3
    assert minted[0]["token_type"] == "bearer" and minted[0]["expires_in"] == 7200
    assert minted[0]["scope"] == "tweet.read users.read offline.access"
    assert users_me(emu, minted[0]["access_token"]).json()["data"]["username"] == "emulated_two"
    # They refresh and rotate as exchanged ones do, and a replay kills only its own chain.
    first = x_token(emu, {"grant_type": "refresh_token", "refresh_token": minted[0]["refresh_token"]}).json()
    assert first["refresh_token"] not in {answer["refresh_token"] for answer in minted}
    replay = x_token(emu, {"grant_type": "refresh_token", "refresh_token": minted[0]["refresh_token"]})
    assert replay.json()["error"] == "invalid_grant"
    assert users_me(emu, first["access_token"]).status_code == 401
    other = x_token(emu, {"grant_type": "refresh_token", "refresh_token": minted[1]["refresh_token"]})
    assert other.status_code == 200, "another minted grant is untouched"
    assert "refresh_token" not in emu.mint_tokens("twitter", 1, scopes=["tweet.read", "users.read"])[0]
    youtube = emu.mint_tokens("youtube", 1, account="UCemulatorChannel000002")[0]
    assert youtube["refresh_token"] and channels(emu, youtube["access_token"]).json()["items"][0]["id"] == (
        "UCemulatorChannel000002"
    )
    with pytest.raises(ValueError):
        emu.mint_tokens("twitter", 1, scopes=["no.such"])


# --- LinkedIn --------------------------------------------------------------------------------


def linkedin_connect(emu, **consent):
    code, _ = code_for(emu, "linkedin", consent=consent)
    client_id, secret = CLIENTS["linkedin"]
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("linkedin"))
    url = at(emu, "https://www.linkedin.com/oauth/v2/accessToken")
    basic_only = requests.post(url, data=form, auth=(client_id, secret))
    assert basic_only.status_code == 400 and basic_only.json()["error"] == "invalid_request"
    return requests.post(url, data={**form, "client_id": client_id, "client_secret": secret}).json()


def linkedin(emu, path, token, version="202510", **params):
    headers = {"Authorization": f"Bearer {token}"}
    if version:
        headers["LinkedIn-Version"] = version
    return requests.get(at(emu, f"https://api.linkedin.com{path}"), params=params, headers=headers, timeout=5)


def test_linkedin_answers_comma_scopes_no_refresh_token_and_the_organizations_a_member_administers(emu):
    tokens = linkedin_connect(emu)
    assert tokens["expires_in"] == 5_184_000 and "refresh_token" not in tokens
    assert tokens["scope"] == "openid,profile,w_member_social,w_organization_social,rw_organization_admin"
    token = tokens["access_token"]
    assert linkedin(emu, "/v2/userinfo", token).json()["sub"] == "emuLinkedInMember1"

    acls = {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}
    unversioned = linkedin(emu, "/rest/organizationAcls", token, version=None, **acls)
    assert unversioned.status_code == 400 and unversioned.json()["code"] == "VERSION_MISSING"
    elements = linkedin(emu, "/rest/organizationAcls", token, **acls).json()["elements"]
    assert [e["organization"] for e in elements] == ["urn:li:organization:90000001", "urn:li:organization:90000002"]
    assert all(e["role"] == "ADMINISTRATOR" and e["state"] == "APPROVED" for e in elements)
    organization = linkedin(emu, "/rest/organizations/90000002", token).json()
    assert organization == {
        "id": 90000002,
        "localizedName": "Emulated Company Two",
        "vanityName": "emulated-company-two",
    }

    client_id, secret = CLIENTS["linkedin"]
    refresh = requests.post(
        at(emu, "https://www.linkedin.com/oauth/v2/accessToken"),
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": client_id, "client_secret": secret},
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "unauthorized_client"


def test_linkedin_second_member_administers_nothing_and_admin_acls_need_the_scope(emu):
    token = linkedin_connect(emu, account=1)["access_token"]
    acls = {"q": "roleAssignee", "role": "ADMINISTRATOR"}
    assert linkedin(emu, "/rest/organizationAcls", token, **acls).json()["elements"] == []
    narrow = linkedin_connect(emu, scopes=["openid", "profile", "w_member_social"])["access_token"]
    assert linkedin(emu, "/rest/organizationAcls", narrow, **acls).status_code == 403
    url, _ = authorize_url(emu, "linkedin")
    assert query_of(emu.consent(url, allow=False))["error"] == "user_cancelled_authorize"


# --- Reddit ----------------------------------------------------------------------------------


def reddit_token(emu, form, *, agent=REDDIT_AGENT, auth=CLIENTS["reddit"]):
    url = at(emu, "https://www.reddit.com/api/v1/access_token")
    return requests.post(url, data=form, auth=auth, headers=agent, timeout=5)


def test_reddit_refuses_generic_user_agents_and_credentials_outside_basic(emu):
    code, _ = code_for(emu, "reddit")
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("reddit"))
    generic = reddit_token(emu, form, agent={})  # requests' own python-requests/x.y
    assert generic.status_code == 429 and "User-Agent" in generic.json()["message"]
    assert reddit_token(emu, form, agent={"User-Agent": ""}).status_code == 429
    in_form = reddit_token(
        emu, {**form, "client_id": CLIENTS["reddit"][0], "client_secret": CLIENTS["reddit"][1]}, auth=None
    )
    assert in_form.status_code == 401
    tokens = reddit_token(emu, form).json()
    assert tokens["scope"] == "identity submit" and tokens["refresh_token"]
    # A refused grant is HTTP 200 with an error body, as Reddit answers it.
    replay = reddit_token(emu, form)
    assert replay.status_code == 200 and replay.json() == {"error": "invalid_grant"}

    me_url = at(emu, "https://oauth.reddit.com/api/v1/me")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(me_url, headers=bearer).status_code == 429
    me = requests.get(me_url, headers={**bearer, **REDDIT_AGENT}).json()
    assert (me["name"], me["id"]) == ("emulated_redditor_one", "emu0001")

    refreshed = reddit_token(emu, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    assert refreshed["access_token"] and "refresh_token" not in refreshed
    revoke = at(emu, "https://www.reddit.com/api/v1/revoke_token")
    form = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    assert requests.post(revoke, data=form, auth=CLIENTS["reddit"]).status_code == 429
    assert requests.post(revoke, data=form, auth=CLIENTS["reddit"], headers=REDDIT_AGENT).status_code == 204
    dead = reddit_token(emu, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert dead.json() == {"error": "invalid_grant"}
    assert (
        requests.get(
            me_url, headers={"Authorization": f"Bearer {refreshed['access_token']}", **REDDIT_AGENT}
        ).status_code
        == 401
    )


def test_reddit_issues_a_refresh_token_only_for_permanent_duration(emu):
    code, _ = code_for(emu, "reddit", duration="temporary")
    form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("reddit"))
    assert "refresh_token" not in reddit_token(emu, form).json()
    assert requests.get(authorize_url(emu, "reddit", duration=None)[0]).status_code == 400


# --- X OAuth 1.0a ---------------------------------------------------------------------------------


def oauth1_session(consumer=OAUTH1_CONSUMER, **kwargs):
    return OAuth1Session(*consumer, **kwargs)


def test_x_oauth1_three_legs_with_verified_signatures(emu):
    callback = CALLBACK.format("twitter")
    session = oauth1_session(redirect_uri=callback)
    request_token = session.fetch_request_token(at(emu, "https://api.x.com/oauth/request_token"))
    assert request_token["oauth_callback_confirmed"] == "true"
    location = emu.consent_oauth1(
        at(emu, f"https://api.x.com/oauth/authorize?oauth_token={request_token['oauth_token']}"), account=1
    )
    assert location.startswith(callback)
    session.parse_authorization_response(location)
    access = session.fetch_access_token(at(emu, "https://api.x.com/oauth/access_token"))
    assert (access["user_id"], access["screen_name"]) == ("1500000000000000002", "emulated_two")

    signed = oauth1_session(token=access["oauth_token"], token_secret=access["oauth_token_secret"])
    verify = at(emu, "https://api.x.com/1.1/account/verify_credentials.json")
    assert signed.get(verify).json()["screen_name"] == "emulated_two"
    forged = oauth1_session(token=access["oauth_token"], token_secret="not-the-secret")
    refused = forged.get(verify)
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == 32
    assert signed.post(at(emu, "https://api.x.com/1.1/oauth/invalidate_token")).json() == {
        "access_token": access["oauth_token"]
    }
    gone = signed.get(verify)
    assert gone.status_code == 401 and gone.json()["errors"][0]["code"] == 89


def test_x_oauth1_refuses_a_wrong_consumer_secret_a_replayed_request_token_and_reports_a_denial(emu):
    request_token_url = at(emu, "https://api.x.com/oauth/request_token")
    wrong = oauth1_session((OAUTH1_CONSUMER[0], "guessed"), redirect_uri=CALLBACK.format("twitter"))
    assert wrong.post(request_token_url).status_code == 401

    session = oauth1_session(redirect_uri=CALLBACK.format("twitter"))
    request_token = session.fetch_request_token(request_token_url)
    token = request_token["oauth_token"]
    authorize = at(emu, f"https://api.x.com/oauth/authorize?oauth_token={token}")
    verifier = query_of(emu.consent_oauth1(authorize))["oauth_verifier"]
    access_url = at(emu, "https://api.x.com/oauth/access_token")
    session.fetch_access_token(access_url, verifier=verifier)
    replay = oauth1_session(token=token, token_secret=request_token["oauth_token_secret"], verifier=verifier)
    refused = replay.post(access_url)
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == 89, "a request token buys one"

    token = oauth1_session(redirect_uri=CALLBACK.format("twitter")).fetch_request_token(request_token_url)[
        "oauth_token"
    ]
    authorize = at(emu, f"https://api.x.com/oauth/authorize?oauth_token={token}")
    assert query_of(emu.consent_oauth1(authorize, allow=False)) == {"denied": token}


# --- Knobs -------------------------------------------------------------------------------------


def test_requests_seen_records_the_exact_token_request(emu):
    emu.forget_requests("twitter")
    x_connect(emu)
    [seen] = emu.requests_seen("twitter")
    assert seen["method"] == "POST" and (seen["host"], seen["path"]) == ("api.x.com", "/2/oauth2/token")
    assert seen["headers"]["Authorization"].startswith("Basic ")
    assert seen["form"]["grant_type"] == "authorization_code" and seen["form"]["code_verifier"]
    assert "client_secret" not in seen["form"] and seen["query"] == {}


def test_omit_refresh_token_and_fail_next(emu):
    emu.omit_refresh_token("reddit")
    try:
        code, _ = code_for(emu, "reddit")
        form = dict(grant_type="authorization_code", code=code, redirect_uri=CALLBACK.format("reddit"))
        assert "refresh_token" not in reddit_token(emu, form).json()
    finally:
        emu.omit_refresh_token("reddit", on=False)

    code, verifier = code_for(emu, "tiktok")
    emu.fail_next("tiktok", 500, "upstream trouble")
    failed = tiktok_code_grant(emu, code, verifier)
    assert failed.status_code == 500 and failed.text == "upstream trouble"
    emu.fail_next("tiktok", 400, {"error": "invalid_grant", "error_description": "Code expired"})
    assert tiktok_code_grant(emu, code, verifier).json()["error_description"] == "Code expired"
    assert tiktok_code_grant(emu, code, verifier).status_code == 200, "one failure per fail_next"


# --- The console's own client against the emulator ------------------------------------------------


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_the_consoles_client_connects_through_the_emulator(emu, key):
    declaration = REGISTRY[key].oauth
    with override_settings(OAUTH_ORIGIN_OVERRIDES=emu.origin_overrides()):
        client = PlatformClient(declaration, AppCredentials(*CLIENTS[key]), redirect_uri=CALLBACK.format(key))
        url, verifier = client.authorization_url(state="state-1")
        assert url.startswith(emu.base_url)
        answer = query_of(emu.consent(url))
        tokens = client.exchange_code(answer["code"], code_verifier=verifier)
        assert tokens["access_token"]
        if declaration.exchange:
            tokens = declaration.exchange(client, tokens)
        accounts = declaration.find_accounts(client, tokens)
        assert accounts and all(account.identity for account in accounts)
        if tokens.get("refresh_token"):
            assert client.refresh(tokens["refresh_token"])["access_token"]


# --- The command -----------------------------------------------------------------------------------


def manage(*args, env=None, **popen):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "credsite.settings", "DEBUG": "true", **(env or {})}
    command = [sys.executable, str(PROJECT_DIR / "manage.py"), "oauth_emulator", *args]
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=environment, text=True, capture_output=True, timeout=60, **popen
    )


def test_print_environment_gives_shell_exports_that_eval_cleanly():
    printed = manage("--print-environment", "--port", "9177")
    assert printed.returncode == 0, printed.stderr
    lines = printed.stdout.splitlines()
    assert all(line.startswith("export ") for line in lines)
    names = [line.split("=", 1)[0].removeprefix("export ") for line in lines]
    assert names[0] == "OAUTH_ORIGIN_OVERRIDES"
    assert {f"{key.upper()}_OAUTH_CLIENT_{part}" for key in CLIENTS for part in ("ID", "SECRET")} <= set(names)
    shell = subprocess.run(
        ["bash", "-c", 'eval "$(cat)"; printf "%s\\n%s\\n" "$OAUTH_ORIGIN_OVERRIDES" "$TIKTOK_OAUTH_CLIENT_ID"'],
        input=printed.stdout,
        text=True,
        capture_output=True,
        check=True,
    )
    overrides, tiktok = shell.stdout.splitlines()
    assert json.loads(overrides)["https://graph.facebook.com"] == "http://127.0.0.1:9177/graph.facebook.com"
    assert tiktok == "emulator-tiktok"


def test_the_command_refuses_without_debug():
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "not-for-development-" * 3,
        "ALLOWED_HOSTS": "console.example.com",
        "TRUSTED_PROXY_COUNT": "1",
        "CONSOLE_PUBLIC_URL": "https://x.example",
        "MONGODB_URI": "mongodb://127.0.0.1:1/",
    }
    refused = manage("--print-environment", env=production)
    assert refused.returncode != 0 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "development tool" in refused.stderr


def test_the_command_serves_and_a_taken_port_is_one_line():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, str(PROJECT_DIR / "manage.py"), "oauth_emulator", "--port", str(port)]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "credsite.settings", "DEBUG": "true"}
    serving = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, text=True, stdout=subprocess.PIPE)
    try:
        first = serving.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first
        assert (
            json.loads(serving.stdout.readline().split("=", 1)[1])["https://x.com"] == f"http://127.0.0.1:{port}/x.com"
        )
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
        taken = manage("--port", str(port))
        assert taken.returncode != 0 and len(taken.stderr.strip().splitlines()) == 1
        assert "cannot listen" in taken.stderr
    finally:
        serving.terminate()
        serving.wait(timeout=10)
