"""Secrets at rest: sealed in the database, masked everywhere, rotated without loss."""

import json
import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from bson import json_util
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import ExceptionReporter
from pymongo.errors import WriteError

from credentials.platforms import REGISTRY
from credentials.rotation import conditional_update, rotate_collection
from credentials.secrets import SecretValue, decrypt_secret, encrypt_secret, key_id
from tests.factories import FACTORIES

PROJECT_DIR = Path(__file__).resolve().parent.parent
SENTINEL = "SENTINEL-do-not-leak-7f3a9c"
KEY_A, KEY_B = settings.TEST_KEY_A, settings.TEST_KEY_B


def dump(mongo_db):
    """Every document of every collection, as text."""
    return json_util.dumps({name: list(mongo_db[name].find()) for name in mongo_db.list_collection_names()})


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
        assert document[name].startswith(f"enc:v1:{key_id(KEY_A)}:")
    reread = platform.model.objects.get(pk=credential.pk)
    for name, value in values.items():
        assert getattr(reread, name).reveal() == value


def test_same_secret_seals_differently_each_time():
    assert encrypt_secret(SENTINEL) != encrypt_secret(SENTINEL)


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
    assert "enc:v1:" not in html
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
    assert "Type a new client_secret or tick “clear”, not both." in response.content.decode()
    credential.refresh_from_db()
    assert credential.client_secret.reveal() == "old"


def test_query_logs_carry_no_secret(db, caplog):
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with override_settings(DEBUG=True):
        FACTORIES["reddit"](client_secret=SENTINEL)
    assert "enc:v1:" in caplog.text or caplog.text == ""
    assert SENTINEL not in caplog.text


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(lambda: encrypt_secret(SENTINEL)[:-6] + "AAAAAA", id="tampered"),
        pytest.param(lambda: "enc:v1:00000000:" + encrypt_secret(SENTINEL).split(":", 3)[3], id="unknown-key"),
    ],
)
def test_undecryptable_secret_shows_a_message_not_an_error(admin_client, mongo_db, stored):
    credential = FACTORIES["youtube"]()
    mongo_db["youtube_credentials"].update_one({"_id": credential.pk}, {"$set": {"client_secret": stored()}})
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
    assert f"enc:v1:{key_id(KEY_A)}:" not in dump(mongo_db)
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B]):
        for credential in credentials:
            reread = type(credential).objects.get(pk=credential.pk)
            assert reread.access_token.reveal() == f"{SENTINEL}-{credential.platform}"


def test_rotate_command_encrypts_plain_text_and_reports_counts(mongo_db, manage):
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
    bad = FACTORIES["reddit"]()
    mongo_db["reddit_credentials"].update_one({"_id": bad.pk}, {"$set": {"client_secret": "enc:v1:00000000:AAAA"}})

    dry = manage("rotate_cred_keys", "--dry-run", database=mongo_db.name)
    assert dry.returncode == 0, dry.stderr
    assert (
        "youtube_credentials: 4 documents; secrets: 0 re-encrypted, 1 already current, 3 plain text found" in dry.stdout
    )
    assert SENTINEL in dump(mongo_db)

    result = manage("rotate_cred_keys", database=mongo_db.name)
    assert result.returncode == 0, result.stderr
    assert (
        "youtube_credentials: 4 documents; secrets: "
        "0 re-encrypted, 1 already current, 3 plain text found, 0 undecryptable" in result.stdout
    )
    assert (
        "reddit_credentials: 1 documents; secrets: "
        "0 re-encrypted, 0 already current, 0 plain text found, 1 undecryptable" in result.stdout
    )
    assert f"reddit_credentials {bad.credential_id} client_secret: cannot be decrypted" in result.stdout
    assert SENTINEL not in dump(mongo_db) + result.stdout + result.stderr
    legacy = REGISTRY["youtube"].model.objects.get(name="legacy 1")
    assert legacy.access_token.reveal() == f"{SENTINEL}-1"


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
    under_b = {"access_token": {"$regex": f"^enc:v1:{key_id(KEY_B)}:"}}
    done = collection.count_documents(under_b)
    assert 0 < done < 600

    result = manage("rotate_cred_keys", database=mongo_db.name, env=env)
    assert result.returncode == 0, result.stderr
    assert (
        f"linkedin_credentials: 600 documents; secrets: {600 - done} re-encrypted, {done} already current"
        in result.stdout
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
    collection.insert_one({**document, "page_access_token": encrypt_secret(SENTINEL)})
    assert decrypt_secret(collection.find_one()["page_access_token"]) == SENTINEL


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
        assert decrypt_secret(encrypt_secret(SENTINEL)) == SENTINEL


@pytest.mark.parametrize(
    "runner", [[sys.executable, "examples/decrypt_secret.py"], ["node", "examples/decrypt_secret.js"]]
)
def test_other_services_decrypt_with_the_documented_examples(runner):
    with override_settings(CREDENTIALS_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        stored = encrypt_secret(SENTINEL)
    result = subprocess.run(
        [*runner, stored],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin:" + str(Path(sys.executable).parent),
            "CREDENTIALS_ENCRYPTION_KEYS": f"{KEY_A},{KEY_B}",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == SENTINEL


def test_rotation_never_overwrites_a_token_refreshed_meanwhile(mongo_db):
    credential = FACTORIES["tiktok"](access_token="old", refresh_token="$starts-with-a-dollar")
    collection = mongo_db["tiktok_credentials"]
    read = collection.find_one({"_id": credential.pk})
    refreshed = encrypt_secret("refreshed by the publishing service")
    collection.update_one({"_id": credential.pk}, {"$set": {"access_token": refreshed}})

    collection.bulk_write(
        [
            conditional_update(
                credential.pk,
                {name: read[name] for name in ("access_token", "refresh_token")},
                {"access_token": "enc:v1:ffffffff:stale", "refresh_token": "enc:v1:ffffffff:new"},
            )
        ]
    )
    document = collection.find_one({"_id": credential.pk})
    assert document["access_token"] == refreshed
    assert document["refresh_token"] == "enc:v1:ffffffff:new"


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
