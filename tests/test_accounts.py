"""Staff accounts: second factor, lockouts, session limits, account takeover refused, roles."""

import logging
import re
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from accounts.recovery_codes import CODES_PER_SET
from credentials.platforms import REGISTRY
from tenancy.models import TenantAccess
from tests.factories import FACTORIES, AuthenticatorFactory, authenticator_code

PASSWORD = "a-long-staff-password-1"
LOGIN = "/account/login/"
SETUP = "/account/two-factor/setup/"
Twitter = REGISTRY["twitter"].model
# Addresses reserved for documentation (RFC 5737): only ever a header value here, never traffic.
ADDRESS_A, ADDRESS_B = "192.0.2.10", "192.0.2.20"
STAFF_PAGES = [
    "/admin/",
    "/admin/credentials/twittercredential/",
    "/admin/credentials/overview/",
    "/admin/account/",
    "/admin/account/recovery-codes/",
    "/admin/auth/user/",
    "/admin/password_change/",
]


@pytest.fixture
def alice(db):
    user = User.objects.create_user("alice", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="credentials"))
    TenantAccess.objects.create(user=user, customer_ids=["acme", "globex"])
    return user


def sign_in_step(client, username, password, *, address=ADDRESS_A, next_url="/admin/"):
    return client.post(
        f"{LOGIN}?next={next_url}",
        {"sign_in_view-current_step": "auth", "auth-username": username, "auth-password": password},
        REMOTE_ADDR=address,
    )


def code_step(client, code, *, step="token", next_url="/admin/"):
    # The sign-in form posts back to its own address, `next` included, as a browser does.
    return client.post(
        f"{LOGIN}?next={next_url}",
        {"sign_in_view-current_step": step, f"{step}-otp_token": code},
        REMOTE_ADDR=ADDRESS_A,
    )


def html(response):
    return response.content.decode()


# --- Second factor -------------------------------------------------------------------


def test_a_password_only_session_reaches_no_staff_page(client, alice):
    client.force_login(alice)
    for page in STAFF_PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(("/account/", "/admin/login/")), page
    # Even a superuser.
    superuser = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(superuser)
    assert all(client.get(page).status_code == 302 for page in STAFF_PAGES)


def test_the_right_password_alone_does_not_open_the_console_for_an_enrolled_user(client, alice):
    AuthenticatorFactory(user=alice)
    response = sign_in_step(client, "alice", PASSWORD)
    assert response.status_code == 200
    assert 'name="token-otp_token"' in html(response)
    assert client.get("/admin/").status_code == 302


def test_first_sign_in_enrolls_an_authenticator_then_shows_recovery_codes_once(client, alice):
    response = sign_in_step(client, "alice", PASSWORD, next_url="/admin/credentials/overview/")
    assert response.status_code == 302 and response["Location"] == SETUP
    # Until enrolled, no staff page opens; they all lead back to enrollment.
    landing = client.get("/admin/credentials/twittercredential/", follow=True)
    assert landing.redirect_chain[-1][0] == SETUP

    welcome = client.get(SETUP)
    assert "Enable Two-Factor Authentication" in html(welcome)
    generator = client.post(SETUP, {"enroll_view-current_step": "welcome"})
    page = html(generator)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    assert client.get(reverse("two_factor:qr"))["Content-Type"].startswith("image/svg+xml")

    device = TOTPDevice(key=_hex(secret))
    wrong = client.post(SETUP, {"enroll_view-current_step": "generator", "generator-token": "000000"})
    assert "errorlist" in html(wrong) and not TOTPDevice.objects.filter(user=alice).exists()
    done = client.post(SETUP, {"enroll_view-current_step": "generator", "generator-token": authenticator_code(device)})
    assert done["Location"] == reverse("admin:account_recovery_codes")
    assert TOTPDevice.objects.get(user=alice).confirmed

    shown = html(client.get(done["Location"]))
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", shown)
    assert len(codes) == CODES_PER_SET
    assert 'href="/admin/credentials/twittercredential/"' in shown  # on to the page last asked for
    assert not any(code in html(client.get(done["Location"])) for code in codes)  # shown once
    assert client.get("/admin/credentials/overview/").status_code == 200
    # The QR code was for the enrollment only.
    assert client.get(reverse("two_factor:qr")).status_code == 404


def test_enrolled_users_cannot_add_another_authenticator(client, alice, verified_login):
    verified_login(client, alice)
    assert client.get(SETUP)["Location"] == reverse("admin:account")
    client.post(SETUP, {"enroll_view-current_step": "welcome"})
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_wrong_authenticator_code_is_refused(client, alice):
    device = AuthenticatorFactory(user=alice)
    sign_in_step(client, "alice", PASSWORD)
    wrong = f"{(int(authenticator_code(device)) + 1) % 1_000_000:06d}"
    assert "errorlist" in html(code_step(client, wrong))
    assert client.get("/admin/").status_code == 302


def test_sign_in_with_an_authenticator_code(client, alice):
    device = AuthenticatorFactory(user=alice)
    sign_in_step(client, "alice", PASSWORD, next_url="/admin/credentials/overview/")
    response = code_step(client, authenticator_code(device), next_url="/admin/credentials/overview/")
    assert response.status_code == 302 and response["Location"] == "/admin/credentials/overview/"
    assert client.get("/admin/credentials/overview/").status_code == 200


def test_sign_in_with_a_recovery_code_which_then_is_spent(client, alice):
    AuthenticatorFactory(user=alice)
    backup = alice.staticdevice_set.create(name="backup")
    backup.token_set.create(token="rcode123")
    for attempt in range(2):
        client.logout()
        sign_in_step(client, "alice", PASSWORD)
        client.post(LOGIN, {"sign_in_view-current_step": "token", "wizard_goto_step": "backup"}, REMOTE_ADDR=ADDRESS_A)
        response = code_step(client, "rcode123", step="backup")
        if attempt == 0:
            assert response.status_code == 302
            assert client.get("/admin/").status_code == 200
        else:
            assert response.status_code == 200 and "errorlist" in html(response)
            assert client.get("/admin/").status_code == 302
    assert not StaticToken.objects.filter(device=backup).exists()


def test_device_lookup_accepts_object_ids(alice):
    """django-otp as shipped parses device ids with int(): the session would never be verified."""
    device = AuthenticatorFactory(user=alice)
    assert Device.from_persistent_id(device.persistent_id) == device
    assert Device.from_persistent_id("otp_totp.totpdevice/not-an-object-id") is None


def test_own_page_shows_granted_tenants_roles_and_second_factor(client, alice, verified_login):
    alice.groups.add(Group.objects.get(name="Credential support"))
    verified_login(client, alice)
    page = html(client.get(reverse("admin:account")))
    assert re.search(r'id="granted-tenants">\s*acme, globex', page)
    assert "Credential support" in page and "Authenticator app, enrolled" in page
    assert 'href="/admin/account/"' in html(client.get("/admin/"))  # linked from every page


def test_recovery_codes_page_makes_new_codes_and_voids_old_ones(client, alice, verified_login):
    verified_login(client, alice)
    backup = alice.staticdevice_set.create(name="backup")
    backup.token_set.create(token="oldcode1")
    assert "1 unused recovery code" in html(client.get(reverse("admin:account_recovery_codes")))
    page = reverse("admin:account_recovery_codes")
    # A session alone (it may be stolen) cannot mint codes that outlive it: the password is asked.
    refused = html(client.post(page, {"password": "not-her-password"}, follow=True))
    assert "That is not your password" in refused and StaticToken.objects.filter(token="oldcode1").exists()
    shown = html(client.post(page, {"password": PASSWORD}, follow=True))
    assert len(re.findall(r"<li>([a-z0-9]{8})</li>", shown)) == CODES_PER_SET
    assert not StaticToken.objects.filter(token="oldcode1").exists()


@override_settings(CONSOLE_REQUIRE_MFA=False)
def test_development_may_turn_the_second_factor_off(client, alice):
    response = sign_in_step(client, "alice", PASSWORD)
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_production_refuses_to_start_without_the_second_factor(manage, mongo_db):
    result = manage(
        "check",
        database=mongo_db.name,
        env={
            "DEBUG": "false",
            "CONSOLE_REQUIRE_MFA": "false",
            "SECRET_KEY": "x" * 60,
            "CONSOLE_PUBLIC_URL": "https://console.example.com",
        },
    )
    assert result.returncode != 0
    assert "CONSOLE_REQUIRE_MFA may be false only when DEBUG is true" in result.stderr
    assert "Traceback" not in result.stderr


# --- Lockouts ------------------------------------------------------------------------


def failures(client, username, count, address=ADDRESS_A):
    for _ in range(count):
        sign_in_step(client, username, "wrong-password", address=address)


def test_five_failures_lock_the_username_and_the_address_with_one_neutral_message(client, alice, caplog):
    caplog.set_level(logging.WARNING, logger="axes")
    failures(client, "alice", 5)
    locked = sign_in_step(client, "alice", PASSWORD)  # the right password, too late
    assert locked.status_code == 429
    assert client.get("/admin/").status_code == 302
    assert "AXES: Locking out" in caplog.text

    failures(client, "nobody-by-this-name", 5, address=ADDRESS_B)
    unknown = sign_in_step(client, "nobody-by-this-name", PASSWORD, address=ADDRESS_B)
    assert unknown.status_code == 429
    # The same words whether or not the username exists.
    assert _main_text(locked) == _main_text(unknown)
    assert "too many failed sign-ins" in _main_text(locked)

    # The username is locked from any address, and the address for any username.
    assert sign_in_step(Client(), "alice", PASSWORD, address="192.0.2.99").status_code == 429
    User.objects.create_user("bob", password=PASSWORD, is_staff=True)
    assert sign_in_step(Client(), "bob", PASSWORD, address=ADDRESS_A).status_code == 429
    assert sign_in_step(Client(), "bob", PASSWORD, address="192.0.2.98")["Location"] == SETUP  # not locked


def test_passwords_typed_are_not_kept_in_attempt_records(client, alice):
    from axes.models import AccessAttempt

    sign_in_step(client, "alice", "SENTINEL-wrong-password-77")
    attempt = AccessAttempt.objects.get(username="alice")
    assert "SENTINEL-wrong-password-77" not in attempt.post_data + attempt.get_data


def test_superusers_see_lockouts_and_lift_them_others_cannot(client, alice, admin_client, verified_login):
    from axes.models import AccessAttempt

    failures(client, "alice", 5)
    attempts = reverse("admin:axes_accessattempt_changelist")
    assert "alice" in html(admin_client.get(attempts))

    other = Client()
    verified_login(other, User.objects.create_user("carol", password=PASSWORD, is_staff=True))
    User.objects.get(username="carol").user_permissions.set(Permission.objects.filter(content_type__app_label="axes"))
    assert other.get(attempts).status_code == 403

    attempt = AccessAttempt.objects.get(username="alice")
    admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    fresh = Client()
    assert sign_in_step(fresh, "alice", PASSWORD).status_code == 302


# --- Sessions ------------------------------------------------------------------------


def age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_ends_after_the_idle_time(client, alice, verified_login):
    verified_login(client, alice)
    assert client.get("/admin/").status_code == 200
    age_session(client, **{LAST_SEEN_AT: 29 * 60, SIGNED_IN_AT: 29 * 60})
    assert client.get("/admin/").status_code == 200
    age_session(client, **{LAST_SEEN_AT: 31 * 60})
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "without activity" in html(response)
    assert client.get("/admin/").status_code == 302


def test_a_busy_session_still_ends_at_its_maximum_age(client, alice, verified_login):
    verified_login(client, alice)
    age_session(client, **{LAST_SEEN_AT: 10, SIGNED_IN_AT: 8 * 3600 + 60})
    assert client.get("/admin/").status_code == 302


def test_the_session_cookie_ends_with_the_browser(client, alice):
    AuthenticatorFactory(user=alice)
    sign_in_step(client, "alice", PASSWORD)
    response = code_step(client, authenticator_code(alice.totpdevice_set.get()))
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""


# --- No staff user can take over another account -------------------------------------


@pytest.fixture
def user_manager(client, db, verified_login):
    """A staff user allowed everything on users and roles, short of being a superuser."""
    manager = User.objects.create_user("manager", password=PASSWORD, is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["auth", "credentials"]))
    verified_login(client, manager)
    return manager


def user_form(user, **changes):
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "", "is_superuser": "on" if user.is_superuser else "",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "tenant_access-TOTAL_FORMS": "0", "tenant_access-INITIAL_FORMS": "0",
        "tenant_access-MIN_NUM_FORMS": "0", "tenant_access-MAX_NUM_FORMS": "1",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_staff_cannot_set_another_users_password(client, user_manager, admin_user, alice):
    for victim in (admin_user, alice):
        url = reverse("admin:auth_user_password_change", args=[victim.pk])
        assert client.get(url).status_code == 403
        posted = client.post(
            url, {"password1": "taken-over-pw-9", "password2": "taken-over-pw-9", "usable_password": "true"}
        )
        assert posted.status_code == 403
        victim.refresh_from_db()
        assert not victim.check_password("taken-over-pw-9")


def test_staff_cannot_lock_out_or_promote_anyone(client, user_manager, admin_user, alice):
    client.post(reverse("admin:auth_user_change", args=[admin_user.pk]), user_form(admin_user, is_active=""))
    admin_user.refresh_from_db()
    assert admin_user.is_active

    support = Group.objects.get(name="Credential support")
    form = user_form(alice, username="alice2", is_superuser="on", groups=str(support.pk), first_name="Alice")
    client.post(reverse("admin:auth_user_change", args=[alice.pk]), form)
    alice.refresh_from_db()
    assert (alice.username, alice.is_superuser, alice.groups.count()) == ("alice", False, 0)
    assert alice.first_name == "Alice"  # names and e-mail are theirs to edit

    me = reverse("admin:auth_user_change", args=[user_manager.pk])
    client.post(me, user_form(user_manager, is_superuser="on", groups=str(support.pk)))
    user_manager.refresh_from_db()
    assert not user_manager.is_superuser and user_manager.groups.count() == 0

    assert client.post(reverse("admin:auth_user_delete", args=[admin_user.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_staff_cannot_widen_a_role_or_reset_a_second_factor(client, user_manager, alice):
    support = Group.objects.get(name="Credential support")
    before = set(support.permissions.values_list("pk", flat=True))
    every = [str(p.pk) for p in Permission.objects.all()]
    response = client.post(
        reverse("admin:auth_group_change", args=[support.pk]), {"name": support.name, "permissions": every}
    )
    assert response.status_code in (200, 403)
    assert set(support.permissions.values_list("pk", flat=True)) == before

    AuthenticatorFactory(user=alice)
    client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_second_factor", "_selected_action": [str(alice.pk)]}
    )
    assert TOTPDevice.objects.filter(user=alice).exists()
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_staff_change_their_own_password_with_the_old_one(client, user_manager):
    url = reverse("admin:password_change")
    wrong = client.post(
        url, {"old_password": "not-it", "new_password1": "fresh-pw-2026x", "new_password2": "fresh-pw-2026x"}
    )
    assert wrong.status_code == 200
    client.post(url, {"old_password": PASSWORD, "new_password1": "fresh-pw-2026x", "new_password2": "fresh-pw-2026x"})
    user_manager.refresh_from_db()
    assert user_manager.check_password("fresh-pw-2026x")


def test_a_superuser_resets_a_second_factor_and_history_says_so(admin_client, admin_user, alice, client):
    AuthenticatorFactory(user=alice)
    alice.staticdevice_set.create(name="backup").token_set.create(token="rcode999")
    response = admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_second_factor", "_selected_action": [str(alice.pk)]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists() and not StaticToken.objects.exists()
    entry = LogEntry.objects.get(object_id=str(alice.pk))
    assert entry.user == admin_user and entry.change_message == "Reset second factor"
    # Alice's next sign-in enrolls anew.
    assert sign_in_step(client, "alice", PASSWORD)["Location"] == SETUP


# --- Roles ---------------------------------------------------------------------------


def test_roles_exist_after_migrate_with_every_platforms_permissions(db):
    support = set(Group.objects.get(name="Credential support").permissions.values_list("codename", flat=True))
    auditor = set(Group.objects.get(name="Credential auditor").permissions.values_list("codename", flat=True))
    models = [p.model._meta.model_name for p in REGISTRY.values()]
    assert support == {f"{a}_{m}" for a in ("view", "change") for m in models}
    assert auditor == {f"view_{m}" for m in models}


CHANGELIST = "/admin/credentials/twittercredential/"


@pytest.fixture
def in_role(client, alice, verified_login):
    """`in_role(name)`: alice holds only that role, signed in; returns an active credential of hers."""

    def sign_in_as(role):
        alice.user_permissions.clear()
        alice.groups.add(Group.objects.get(name=role))
        verified_login(client, alice)
        return FACTORIES["twitter"](customer_id="acme", is_active=True)

    return sign_in_as


def deactivate(client, credential):
    client.post(CHANGELIST, {"action": "deactivate_selected", "_selected_action": [str(credential.pk)], "post": "yes"})
    return Twitter.objects.get(pk=credential.pk).is_active


def test_an_auditor_reads_exports_and_sees_history_but_changes_nothing(client, in_role):
    credential = in_role("Credential auditor")
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:credentials_twittercredential_history", args=[credential.pk])).status_code == 200
    export = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [str(credential.pk)]})
    assert export["Content-Type"].startswith("text/csv")
    assert deactivate(client, credential) is True


def test_support_runs_bulk_actions(client, in_role):
    credential = in_role("Credential support")
    assert deactivate(client, credential) is False


# --- Ids that are not ids ------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["abc", "1", "0" * 23, "<script>"])
def test_a_bulk_action_on_a_malformed_id_is_a_404(admin_client, bad_id):
    for changelist in (
        reverse("admin:credentials_twittercredential_changelist"),
        reverse("admin:auth_user_changelist"),
    ):
        action = "deactivate_selected" if "credentials" in changelist else "delete_selected"
        response = admin_client.post(changelist, {"action": action, "_selected_action": [bad_id]})
        assert response.status_code == 404


def test_view_on_site_answers_alike_for_missing_malformed_and_other_tenants(staff_client):
    from django.contrib.contenttypes.models import ContentType

    theirs = FACTORIES["twitter"](customer_id="initech")
    mine = FACTORIES["twitter"](customer_id="acme")
    content_type = ContentType.objects.get_for_model(Twitter).pk
    answers = [
        staff_client.get(f"/admin/r/{content_type}/{object_id}/")
        for object_id in (theirs.pk, mine.pk, "0" * 24, "not-an-id")
    ]
    answers.append(staff_client.get(f"/admin/r/not-a-type/{mine.pk}/"))
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1


def _hex(b32_secret):
    import base64

    return base64.b32decode(b32_secret).hex()


def _main_text(response):
    text = re.sub(r"<[^>]+>", " ", html(response).split('id="content"', 1)[-1])
    return " ".join(text.split()).lower()


# --- Holes found by an attacker's review ---------------------------------------------


def at_once(count, work):
    """Run `work(i)` in `count` threads released together, as simultaneous requests are."""
    import threading

    from django.db import connections

    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_code_read_by_two_requests_before_either_spends_it_signs_in_once(alice):
    device = AuthenticatorFactory(user=alice)
    first, second = TOTPDevice.objects.get(pk=device.pk), TOTPDevice.objects.get(pk=device.pk)
    code = authenticator_code(device)
    assert first.verify_token(code) is True
    assert second.verify_token(code) is False  # it read the device before the code was spent
    time.sleep(1.1)  # past the one-second throttle the failure started
    assert TOTPDevice.objects.get(pk=device.pk).verify_token(code) is False  # and still spent


def test_one_recovery_code_sent_many_times_at_once_signs_in_once(alice):
    backup = alice.staticdevice_set.create(name="backup")
    backup.token_set.create(token="racecode")
    devices = [type(backup).objects.get(pk=backup.pk) for _ in range(8)]
    assert at_once(8, lambda i: devices[i].verify_token("racecode")).count(True) == 1


def test_a_superusers_reset_signs_the_user_out_everywhere(admin_client, alice, client, verified_login):
    verified_login(client, alice)
    assert client.get("/admin/").status_code == 200
    admin_client.post(
        reverse("admin:auth_user_changelist"), {"action": "reset_second_factor", "_selected_action": [str(alice.pk)]}
    )
    # The old session is gone: it can neither open a page nor enroll an authenticator of its own.
    assert client.get(SETUP, follow=True).redirect_chain[-1][0].startswith(LOGIN)
    client.post(SETUP, {"enroll_view-current_step": "welcome"})
    assert not TOTPDevice.objects.filter(user=alice).exists()


def test_only_a_session_that_just_typed_the_password_may_enroll(client, alice):
    client.force_login(alice)  # signed in earlier, by password only, never enrolled
    response = client.get(SETUP, follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "sign in with your password again" in html(response)
    assert sign_in_step(client, "alice", PASSWORD)["Location"] == SETUP
    assert "Enable Two-Factor Authentication" in html(client.get(SETUP))


def test_two_enrollments_at_once_leave_one_authenticator(alice):
    clients = [Client(), Client()]
    secrets = []
    for browser in clients:
        sign_in_step(browser, "alice", PASSWORD)
        page = html(browser.post(SETUP, {"enroll_view-current_step": "welcome"}))
        secrets.append(re.search(r"secret=([A-Z2-7]+)", page).group(1))

    def enroll(i):
        code = authenticator_code(TOTPDevice(key=_hex(secrets[i])))
        return clients[i].post(SETUP, {"enroll_view-current_step": "generator", "generator-token": code})

    at_once(2, enroll)
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_successful_sign_in_does_not_wipe_failures_against_another_username(client, alice):
    User.objects.create_user("plain", password=PASSWORD)  # any account that can sign in
    for _ in range(3):
        failures(client, "alice", 4)
        sign_in_step(Client(), "plain", PASSWORD)
    assert sign_in_step(client, "alice", PASSWORD).status_code == 429


def error_page(request):
    """Django's DEBUG error page for a failure while serving `request` (this frame holds no secret)."""
    import sys

    from django.views.debug import technical_500_response

    try:
        raise ValueError("boom")
    except ValueError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


@override_settings(DEBUG=True)
def test_the_debug_error_page_masks_sign_in_passwords_and_codes(rf):
    # Built from parts, so that the page's listing of this test's own source does not show them.
    password, code = "SENTINEL-" + "pw-31", "SENTINEL-" + "code-32"
    page = error_page(rf.post(LOGIN, {"auth-password": password, "token-otp_token": code}))
    assert password not in page and code not in page and "auth-password" in page


def test_the_database_keeps_one_authenticator_per_user(alice):
    from django.db import IntegrityError

    AuthenticatorFactory(user=alice)
    with pytest.raises(IntegrityError):
        AuthenticatorFactory(user=alice)
