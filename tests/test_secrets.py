"""Secrets at rest: sealed in the database, masked everywhere, rotated without loss."""

import json
import logging
import pickle
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from bson import json_util
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter
from pymongo.errors import WriteError

from credentials.migrator import Migrator
from credentials.platforms import REGISTRY
from credentials.rotation import conditional_update, rotate_collection
from credentials.secrets import (
    SecretContext,
    SecretValue,
    UndecryptableSecret,
    decrypt_secret,
    encrypt_secret,
    key_id,
)
from tests.factories import FACTORIES

PROJECT_DIR = Path(__file__).resolve().parent.parent
SENTINEL = "SENTINEL-do-not-leak-7f3a9c"
KEY_A, KEY_B = settings.TEST_KEY_A, settings.TEST_KEY_B
PLACE = SecretContext("facebook_credentials", "6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b10", "page_access_token")


def dump(mongo_db):
    """Every document of every collection, as text."""
    return json_util.dumps({name: list(mongo_db[name].find()) for name in mongo_db.list_collection_names()})


def sealed_v1(plain, key=KEY_A):
    """A value as the console sealed it before enc:v2: a Fernet token, bound to no place."""
    return f"enc:v1:{key_id(key)}:" + Fernet(key).encrypt(plain.encode()).decode()


def admin_url(model, action, *args):
    return reverse(f"admin:credentials_{model._meta.model_name}_{action}", args=args)


def test_secret_value_is_masked_except_when_revealed():
    secret = SecretValue(plain=SENTINEL)
    assert SENTINEL not in str(secret) + repr(secret)
    assert SENTINEL not in Template("{{ s }} {{ s|safe }}").render(Context({"s": secret}))
    assert secret.reveal() == SENTINEL
    assert SENTINEL not in repr({"token": secret})


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_orm_writes_every_secret_sealed(mongo_db, key):
    platform = REGISTRY[key]
    values = {name: f"{SENTINEL}-{name}" for name in platform.secret_fields}
    credential = FACTORIES[key](**values)
    assert SENTINEL not in dump(mongo_db)
    document = mongo_db[platform.collection].find_one({"_id": credential.pk})
    for name in platform.secret_fields:
        assert document[name].startswith(f"enc:v2:{key_id(KEY_A)}:")
    reread = platform.model.objects.get(pk=credential.pk)
    for name, value in values.items():
        assert getattr(reread, name).reveal() == value


def test_same_secret_seals_differently_each_time():
    assert encrypt_secret(SENTINEL, PLACE) != encrypt_secret(SENTINEL, PLACE)


def test_admin_add_and_change_never_show_or_store_a_secret_in_clear(admin_client, mongo_db, caplog):
    caplog.set_level(logging.DEBUG)
    model = REGISTRY["twitter"].model
    response = admin_client.post(
        admin_url(model, "add"),
        {
            "name": "Acme on X",
            "customer_id": "acme",
            "auth_type": "oauth2",
            "client_id": "acme-client",
            "client_secret": SENTINEL,
            "access_token": SENTINEL + "-access",
            "confirm_new_tenant": "acme",  # no credential or grant knows acme yet
            "upload_count": 0,
            "post_count": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    credential = model.objects.get(name="Acme on X")
    assert credential.client_secret.reveal() == SENTINEL

    change = admin_client.get(admin_url(model, "change", credential.pk))
    html = change.content.decode()
    assert SENTINEL not in html
    assert "enc:v" not in html
    fingerprint = credential.client_secret.fingerprint()
    assert f"Set (fingerprint <code>{fingerprint}</code>)" in html
    assert fingerprint not in SENTINEL

    # Blank keeps, typing replaces, "clear" removes.
    form = {
        "name": "Acme on X",
        "customer_id": "acme",
        "auth_type": "oauth2",
        "client_id": "acme-client",
        "client_secret": "",
        "access_token": SENTINEL + "-new-access",
        "refresh_token_clear": "on",
        "post_count": 0,
    }
    response = admin_client.post(admin_url(model, "change", credential.pk), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    credential.refresh_from_db()
    assert credential.client_secret.reveal() == SENTINEL
    assert credential.access_token.reveal() == SENTINEL + "-new-access"
    response = admin_client.post(
        admin_url(model, "change", credential.pk), {**form, "access_token": "", "access_token_clear": "on"}
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.access_token is None

    pages = [
        admin_client.get(admin_url(model, "changelist")),
        admin_client.get(admin_url(model, "history", credential.pk)),
        admin_client.get(admin_url(model, "change", credential.pk)),
        admin_client.get(reverse("admin:index")),
    ]
    for page in pages:
        assert page.status_code == 200
        assert SENTINEL not in page.content.decode()
    history = [entry.get_change_message() for entry in LogEntry.objects.order_by("action_time")]
    assert "Changed Access token" in history[1]
    assert "Changed Access token" in history[2]
    assert SENTINEL not in json.dumps([e.change_message for e in LogEntry.objects.all()])
    assert SENTINEL not in dump(mongo_db)
    assert SENTINEL not in caplog.text


def test_typing_and_clearing_together_is_refused(admin_client):
    credential = FACTORIES["youtube"](client_secret="old")
    model = type(credential)
    response = admin_client.post(
        admin_url(model, "change", credential.pk),
        {"name": credential.name, "customer_id": "acme", "client_secret": "new", "client_secret_clear": "on"},
    )
    assert response.status_code == 200
    assert "Type a new client secret or tick “clear”, not both." in response.content.decode()
    credential.refresh_from_db()
    assert credential.client_secret.reveal() == "old"


def test_query_logs_carry_no_secret(db, caplog):
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with override_settings(DEBUG=True):
        FACTORIES["reddit"](client_secret=SENTINEL)
    assert "enc:v2:" in caplog.text or caplog.text == ""
    assert SENTINEL not in caplog.text


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(lambda place: encrypt_secret(SENTINEL, place)[:-6] + "AAAAAA", id="tampered"),
        pytest.param(
            lambda place: "enc:v2:00000000:" + encrypt_secret(SENTINEL, place).split(":", 3)[3], id="unknown-key"
        ),
    ],
)
def test_undecryptable_secret_shows_a_message_not_an_error(admin_client, mongo_db, stored):
    credential = FACTORIES["youtube"]()
    place = SecretContext("youtube_credentials", credential.credential_id, "client_secret")
    mongo_db["youtube_credentials"].update_one({"_id": credential.pk}, {"$set": {"client_secret": stored(place)}})
    model = type(credential)
    page = admin_client.get(admin_url(model, "change", credential.pk))
    assert page.status_code == 200
    assert "Set, but it cannot be decrypted with the configured keys." in page.content.decode()
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200


def test_error_reports_mask_posted_secrets(db):
    request = RequestFactory().post("/admin/x/", {"client_secret": SENTINEL, "name": "visible"})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert "visible" in html
    assert SENTINEL not in html


def test_rotation_from_a_to_b_then_a_can_go(mongo_db):
    credentials = [FACTORIES[key](access_token=f"{SENTINEL}-{key}") for key in REGISTRY]
    sealed = sum(getattr(c, name) is not None for c in credentials for name in REGISTRY[c.platform].secret_fields)
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        reports = [rotate_collection(mongo_db[p.collection], p.secret_fields) for p in REGISTRY.values()]
        assert sum(r.counts["re-encrypted"] for r in reports) == sealed
        again = [rotate_collection(mongo_db[p.collection], p.secret_fields) for p in REGISTRY.values()]
        assert sum(r.counts["re-encrypted"] for r in again) == 0
        assert sum(r.counts["already current"] for r in again) == sealed
    assert f"enc:v2:{key_id(KEY_A)}:" not in dump(mongo_db)
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B]):
        for credential in credentials:
            reread = type(credential).objects.get(pk=credential.pk)
            assert reread.access_token.reveal() == f"{SENTINEL}-{credential.platform}"


def test_rotate_command_encrypts_plain_text_upgrades_v1_and_reports_counts(mongo_db, manage):
    mongo_db["youtube_credentials"].insert_many(
        [
            {
                "credential_id": f"6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b{n:02d}",
                "name": f"legacy {n}",
                "platform": "youtube",
                "customer_id": "acme",
                "access_token": f"{SENTINEL}-{n}",
            }
            for n in range(3)
        ],
        bypass_document_validation=True,  # written before 062 made the database refuse them
    )
    FACTORIES["youtube"](access_token="sealed already")
    FACTORIES["youtube"](access_token=None, refresh_token=None, client_secret=None)  # nothing to seal
    bad, old, source = FACTORIES["reddit"](), FACTORIES["reddit"](), FACTORIES["reddit"](client_secret="theirs")
    reddit = mongo_db["reddit_credentials"]
    moved = reddit.find_one({"_id": source.pk})["client_secret"]
    reddit.update_one({"_id": bad.pk}, {"$set": {"client_secret": "enc:v1:00000000:AAAA"}})
    reddit.update_one({"_id": old.pk}, {"$set": {"client_secret": sealed_v1(SENTINEL + "-v1"), "access_token": moved}})

    dry = manage("rotate_cred_keys", "--dry-run", database=mongo_db.name)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert (
        lines[0] == f"Dry run: counting what re-encrypting under key {key_id(KEY_A)} would change; nothing is written."
    )
    assert (
        "youtube_credentials: 4 documents with secrets, 1 without any (not counted: nothing to seal); secrets: "
        "0 re-encrypted, 0 upgraded from enc:v1, 1 already current, 3 plain text found, 0 undecryptable"
    ) in lines
    for platform in REGISTRY.values():  # each collection once: no progress lines besides the summary
        assert sum(line.startswith(f"{platform.collection}: ") for line in lines) == 1, platform.collection
    assert SENTINEL in dump(mongo_db)

    result = manage("rotate_cred_keys", database=mongo_db.name)
    assert result.returncode == 0, result.stderr
    assert (
        "youtube_credentials: 4 documents with secrets, 1 without any (not counted: nothing to seal); secrets: "
        "0 re-encrypted, 0 upgraded from enc:v1, 1 already current, 3 plain text found, 0 undecryptable"
        in result.stdout
    )
    assert (
        "reddit_credentials: 3 documents with secrets, 0 without any (not counted: nothing to seal); secrets: "
        "0 re-encrypted, 1 upgraded from enc:v1, 1 already current, 0 plain text found, 2 undecryptable"
        in result.stdout
    )
    assert f"reddit_credentials {bad.credential_id} client_secret: cannot be decrypted" in result.stdout
    assert f"reddit_credentials {old.credential_id} access_token: cannot be decrypted" in result.stdout
    assert SENTINEL not in dump(mongo_db) + result.stdout + result.stderr
    legacy = REGISTRY["youtube"].model.objects.get(name="legacy 1")
    assert legacy.access_token.reveal() == f"{SENTINEL}-1"
    upgraded = reddit.find_one({"_id": old.pk})
    assert upgraded["client_secret"].startswith(f"enc:v2:{key_id(KEY_A)}:")
    assert upgraded["access_token"] == moved  # not sealed anew where it does not belong
    assert type(old).objects.get(pk=old.pk).client_secret.reveal() == SENTINEL + "-v1"


def test_rotation_leaves_secrets_of_a_document_without_credential_id(mongo_db):
    collection = mongo_db["youtube_credentials"]
    collection.insert_one({"name": "before the contract", "access_token": SENTINEL}, bypass_document_validation=True)
    report = rotate_collection(collection, REGISTRY["youtube"].secret_fields)
    assert report.counts["undecryptable"] == 1
    assert report.undecryptable == [(None, "access_token", "has no credential_id to seal it for")]
    assert collection.find_one()["access_token"] == SENTINEL


def test_an_interrupted_rotation_resumes(mongo_db, manage):
    model = REGISTRY["linkedin"].model
    model.objects.bulk_create(
        [model(name=f"bulk {n}", customer_id=f"c{n}", platform="linkedin", access_token=f"t{n}") for n in range(600)]
    )
    env = {"CREDENTIALS_ENCRYPTION_KEYS": f"{KEY_B},{KEY_A}"}
    run = manage("rotate_cred_keys", "--batch-size", "25", database=mongo_db.name, env=env, background=True)
    for line in run.stdout:
        if line.strip().startswith("linkedin_credentials: 50 documents read"):
            run.send_signal(signal.SIGKILL)
            break
    run.wait()
    collection = mongo_db["linkedin_credentials"]
    under_b = {"access_token": {"$regex": f"^enc:v2:{key_id(KEY_B)}:"}}
    done = collection.count_documents(under_b)
    assert 0 < done < 600

    result = manage("rotate_cred_keys", database=mongo_db.name, env=env)
    assert result.returncode == 0, result.stderr
    assert (
        f"linkedin_credentials: 600 documents with secrets, 0 without any (not counted: nothing to seal); "
        f"secrets: {600 - done} re-encrypted, 0 upgraded from enc:v1, "
        f"{done} already current" in result.stdout
    )
    assert collection.count_documents(under_b) == 600


def test_062_rejects_a_plain_text_secret_from_any_client(mongo_db):
    collection = mongo_db["facebook_credentials"]
    document = {
        "credential_id": "6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b10",
        "name": "raw",
        "platform": "facebook",
        "customer_id": "acme",
    }
    with pytest.raises(WriteError) as caught:
        collection.insert_one({**document, "page_access_token": SENTINEL})
    assert caught.value.code == 121
    collection.insert_one({**document, "page_access_token": encrypt_secret(SENTINEL, PLACE)})
    assert decrypt_secret(collection.find_one()["page_access_token"], PLACE) == SENTINEL


def test_startup_without_keys_fails_with_how_to_fix(manage):
    for keys, message in [
        (
            "",
            "CREDENTIALS_ENCRYPTION_KEYS is not set: generate one with `python manage.py generate_cred_key`",
        ),
        ("not-a-key", "CREDENTIALS_ENCRYPTION_KEYS key #1 is not a valid Fernet key"),
    ]:
        result = manage("check", database="unused", env={"CREDENTIALS_ENCRYPTION_KEYS": keys})
        assert result.returncode != 0
        assert f"(credentials.E001) {message}" in result.stderr
        served = subprocess.run(
            [sys.executable, "-c", "import credsite.wsgi"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            env={
                "PATH": "/usr/bin:/bin",
                "DEBUG": "false",
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "a",
                "TRUSTED_PROXY_COUNT": "0",
                "CONSOLE_PUBLIC_URL": "https://console.example.com",
                "MONGODB_URI": "mongodb://127.0.0.1:9/",
                "CREDENTIALS_ENCRYPTION_KEYS": keys,
            },
        )
        assert served.returncode != 0
        assert message in served.stderr.splitlines()[-1]


def test_generated_key_works(manage):
    result = manage("generate_cred_key", "--quiet", database="unused", env={"CREDENTIALS_ENCRYPTION_KEYS": ""})
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[key]):
        assert decrypt_secret(encrypt_secret(SENTINEL, PLACE), PLACE) == SENTINEL


def run_example(runner, *args):
    """Run a decryption example as another service would, with keys "A,B" configured."""
    return subprocess.run(
        [*runner, *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin:" + str(Path(sys.executable).parent),
            "CREDENTIALS_ENCRYPTION_KEYS": f"{KEY_A},{KEY_B}",
        },
    )


@pytest.mark.parametrize(
    "runner", [[sys.executable, "examples/decrypt_secret.py"], ["node", "examples/decrypt_secret.js"]]
)
def test_other_services_decrypt_with_the_documented_examples(runner):
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        stored = encrypt_secret(SENTINEL, PLACE)
    for value in (stored, sealed_v1(SENTINEL, KEY_B)):
        result = run_example(runner, *PLACE, value)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == SENTINEL

    for elsewhere in (
        PLACE._replace(collection="instagram_credentials"),
        PLACE._replace(credential_id="00000000-0000-4000-8000-000000000000"),
        PLACE._replace(field="access_token"),
    ):
        result = run_example(runner, *elsewhere, stored)
        assert result.returncode != 0
        assert "cannot decrypt" in result.stderr
        assert SENTINEL not in result.stdout + result.stderr


def test_rotation_never_overwrites_a_token_refreshed_meanwhile(mongo_db):
    credential = FACTORIES["tiktok"](access_token="old", refresh_token="$starts-with-a-dollar")
    collection = mongo_db["tiktok_credentials"]
    read = collection.find_one({"_id": credential.pk})
    refreshed = encrypt_secret(
        "refreshed by the publishing service",
        SecretContext("tiktok_credentials", credential.credential_id, "access_token"),
    )
    collection.update_one({"_id": credential.pk}, {"$set": {"access_token": refreshed}})

    collection.bulk_write(
        [
            conditional_update(
                credential.pk,
                {name: read[name] for name in ("access_token", "refresh_token")},
                {"access_token": "enc:v2:ffffffff:stale", "refresh_token": "enc:v2:ffffffff:new"},
            )
        ]
    )
    document = collection.find_one({"_id": credential.pk})
    assert document["access_token"] == refreshed
    assert document["refresh_token"] == "enc:v2:ffffffff:new"


def test_lists_exports_and_bulk_actions_never_decrypt(admin_client, mongo_db):
    """Served with a key that opens nothing: any decryption on these paths would fail them."""
    credentials = FACTORIES["youtube"].create_batch(3, customer_id="acme", access_token=SENTINEL, is_active=True)
    model = type(credentials[0])
    ids = [str(c.pk) for c in credentials]
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B]):
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        assert admin_client.get(reverse("admin:credentials_overview")).status_code == 200
        for action in ("export_csv", "mark_for_reauthentication", "activate_selected"):
            response = admin_client.post(admin_url(model, "changelist"), {"action": action, "_selected_action": ids})
            assert response.status_code in (200, 302), action
        response = admin_client.post(
            admin_url(model, "changelist"), {"action": "deactivate_selected", "_selected_action": ids, "post": "yes"}
        )
        assert response.status_code == 302
    assert not model.objects.filter(is_active=True).exists()
    assert SENTINEL not in dump(mongo_db)


def test_rotation_without_keys_fails_in_one_line(manage, mongo_db):
    result = manage("rotate_cred_keys", database=mongo_db.name, env={"CREDENTIALS_ENCRYPTION_KEYS": ""})
    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: CREDENTIALS_ENCRYPTION_KEYS is not set: generate one with "
        "`python manage.py generate_cred_key` and set it\n"
    )


# Fingerprints per credential, ciphertexts bound to their place, bounded length ----------------


def twitter_form(credential, **changes):
    """The change form of a Twitter/X credential as the browser posts it, secrets left blank."""
    return {
        "name": credential.name,
        "customer_id": credential.customer_id,
        "auth_type": "oauth2",
        "client_id": credential.client_id,
        "post_count": 0,
        **changes,
    }


def fingerprint_on_page(client, credential, field):
    html = client.get(admin_url(type(credential), "change", credential.pk)).content.decode()
    found = re.search(rf'id="id_{field}_helptext">\s*<div>Set \(fingerprint <code>([0-9a-f]+)</code>\)', html)
    assert found, html
    return found.group(1)


def test_one_secret_in_two_credentials_shows_two_fingerprints(staff_client):
    """A staff user cannot confirm a guess by typing it into a credential of their own."""
    model = REGISTRY["twitter"].model
    theirs = FACTORIES["twitter"](customer_id="acme", client_secret=SENTINEL)
    mine = FACTORIES["twitter"](customer_id="acme", client_secret="something else")
    response = staff_client.post(admin_url(model, "change", mine.pk), twitter_form(mine, client_secret=SENTINEL))
    assert response.status_code == 302, response.content.decode()[:3000]

    seen = fingerprint_on_page(staff_client, theirs, "client_secret")
    guessed = fingerprint_on_page(staff_client, mine, "client_secret")
    assert re.fullmatch("[0-9a-f]{8}", seen) and re.fullmatch("[0-9a-f]{8}", guessed)
    assert seen != guessed
    assert seen == fingerprint_on_page(staff_client, theirs, "client_secret")  # stable
    assert seen == model.objects.get(pk=theirs.pk).client_secret.fingerprint()


def test_fingerprint_is_keyed_by_the_encryption_key_not_secret_key(db):
    credential = FACTORIES["reddit"](client_secret=SENTINEL)
    model = type(credential)
    fingerprint = model.objects.get(pk=credential.pk).client_secret.fingerprint()
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert model.objects.get(pk=credential.pk).client_secret.fingerprint() == fingerprint
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert model.objects.get(pk=credential.pk).client_secret.fingerprint() != fingerprint


@pytest.mark.parametrize("move", ["to another tenant's credential", "to another field of the same credential"])
def test_a_moved_ciphertext_does_not_decrypt_and_saving_keeps_it(admin_client, mongo_db, move):
    source = FACTORIES["twitter"](customer_id="acme", client_secret="acme client secret", access_token="acme token")
    if move == "to another tenant's credential":
        target = FACTORIES["twitter"](customer_id="globex", client_secret="globex client secret")
        copied = "access_token"
    else:
        target, copied = source, "client_secret"
    collection = mongo_db["twitter_credentials"]
    moved = collection.find_one({"_id": source.pk})[copied]
    collection.update_one({"_id": target.pk}, {"$set": {"access_token": moved}})

    reread = type(target).objects.get(pk=target.pk)
    with pytest.raises(UndecryptableSecret):
        reread.access_token.reveal()
    page = admin_client.get(admin_url(type(target), "change", target.pk))
    assert "Set, but it cannot be decrypted with the configured keys." in page.content.decode()
    assert "acme token" not in page.content.decode()

    response = admin_client.post(admin_url(type(target), "change", target.pk), twitter_form(reread, name="renamed"))
    assert response.status_code == 302, response.content.decode()[:3000]
    document = collection.find_one({"_id": target.pk})
    assert document["name"] == "renamed"
    assert document["access_token"] == moved


def test_v1_values_written_before_v2_still_read_and_stay_as_they_are(admin_client, mongo_db):
    credential = FACTORIES["twitter"](customer_id="acme")
    sealed = sealed_v1(SENTINEL)
    collection = mongo_db["twitter_credentials"]
    collection.update_one({"_id": credential.pk}, {"$set": {"client_secret": sealed}})

    reread = type(credential).objects.get(pk=credential.pk)
    assert reread.client_secret.reveal() == SENTINEL
    assert fingerprint_on_page(admin_client, credential, "client_secret") == reread.client_secret.fingerprint()
    response = admin_client.post(admin_url(type(credential), "change", credential.pk), twitter_form(reread))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert collection.find_one({"_id": credential.pk})["client_secret"] == sealed


def test_the_validator_refuses_a_5_mb_secret_from_any_client(mongo_db):
    document = {
        "credential_id": "6f1c1f8e-3d5b-4c59-9a55-0c8e2f2d9b10",
        "name": "raw",
        "platform": "facebook",
        "customer_id": "acme",
    }
    huge = f"enc:v1:{key_id(KEY_A)}:" + "A" * (5 * 1024 * 1024)
    with pytest.raises(WriteError) as caught:
        mongo_db["facebook_credentials"].insert_one({**document, "page_access_token": huge})
    assert caught.value.code == 121


def test_the_form_refuses_a_typed_secret_too_long_to_store(admin_client, mongo_db):
    credential = FACTORIES["twitter"](customer_id="acme", client_secret="short")
    model = type(credential)
    response = admin_client.post(
        admin_url(model, "change", credential.pk), twitter_form(credential, client_secret="x" * 12249)
    )
    assert response.status_code == 200
    assert "at most 12248 bytes" in response.content.decode()
    assert model.objects.get(pk=credential.pk).client_secret.reveal() == "short"

    response = admin_client.post(
        admin_url(model, "change", credential.pk), twitter_form(credential, client_secret="x" * 12248)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = mongo_db["twitter_credentials"].find_one({"_id": credential.pk})["client_secret"]
    assert len(stored) == 16384
    assert model.objects.get(pk=credential.pk).client_secret.reveal() == "x" * 12248


def test_a_secret_taken_from_another_credential_is_sealed_anew_for_its_new_place(mongo_db):
    source = FACTORIES["tiktok"](access_token=SENTINEL)
    target = FACTORIES["tiktok"]()
    collection = mongo_db["tiktok_credentials"]
    before = collection.find_one({"_id": source.pk})
    taken = type(source).objects.get(pk=source.pk).access_token
    target.access_token = taken
    target.refresh_token = taken
    target.save()

    written = collection.find_one({"_id": target.pk})
    assert before["access_token"] not in (written["access_token"], written["refresh_token"])
    reread = type(target).objects.get(pk=target.pk)
    assert reread.access_token.reveal() == reread.refresh_token.reveal() == SENTINEL
    assert collection.find_one({"_id": source.pk}) == before
    assert type(source).objects.get(pk=source.pk).access_token.reveal() == SENTINEL


def test_an_unsaved_credential_shows_the_fingerprint_it_keeps_once_saved(db):
    model = REGISTRY["reddit"].model
    credential = model(name="new", customer_id="acme", username="r", client_secret=SENTINEL)
    fingerprint = credential.client_secret.fingerprint()
    credential.save()
    assert model.objects.get(pk=credential.pk).client_secret.fingerprint() == fingerprint


def test_063_accepts_v2_and_bounds_length_and_down_restores_062(scratch_db):
    migrator = Migrator(scratch_db, settings.CRED_MIGRATIONS_DIR, echo=lambda line: None)
    migrator.apply()
    collection = scratch_db["facebook_credentials"]
    document = {"credential_id": PLACE.credential_id, "name": "raw", "platform": "facebook", "customer_id": "acme"}
    v1, v2 = sealed_v1(SENTINEL), encrypt_secret(SENTINEL, PLACE)
    huge = v1 + "A" * (5 * 1024 * 1024)

    def accepted(value):
        try:
            collection.insert_one({**document, "page_access_token": value})
        except WriteError as refused:
            assert refused.code == 121
            return False
        collection.delete_many({})
        return True

    assert [accepted(v) for v in (v1, v2, huge)] == [True, True, False]
    assert migrator.rollback(4) == [
        "066_list_order_indexes", "065_list_page_indexes", "064_refresh_queue_and_health",
        "063_accept_v2_and_bound_secret_length",
    ]  # fmt: skip
    assert [accepted(v) for v in (v1, v2, huge)] == [True, False, True]
    migrator.apply()
    assert [accepted(v) for v in (v1, v2, huge)] == [True, True, False]


def test_a_pickled_credential_carries_its_secrets_sealed_for_their_place(db):
    credential = FACTORIES["reddit"](client_secret=SENTINEL)
    reread = type(credential).objects.get(pk=credential.pk)
    reread.access_token = SENTINEL + "-typed"
    pickled = pickle.dumps(reread)
    assert SENTINEL.encode() not in pickled
    restored = pickle.loads(pickled)
    assert restored.client_secret.reveal() == SENTINEL
    assert restored.access_token.reveal() == SENTINEL + "-typed"
