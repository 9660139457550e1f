"""Start-up as operators meet it: production settings, and clear refusals."""

import secrets

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "console.example.com",
    "TRUSTED_PROXY_COUNT": "1",
    "CONSOLE_PUBLIC_URL": "https://console.example.com",
}


def test_check_deploy_is_clean_with_production_settings(manage, mongo_db):
    result = manage(
        "check",
        "--deploy",
        database=mongo_db.name,
        env={**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def test_production_without_a_secret_key_refuses_in_one_line(manage, mongo_db):
    result = manage("check", database=mongo_db.name, env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode == 1
    assert result.stderr == "configuration error: SECRET_KEY must be set when DEBUG is false\n"


def test_production_without_a_database_uri_refuses_in_one_line(manage, mongo_db):
    result = manage("check", database=mongo_db.name, env={**PRODUCTION, "SECRET_KEY": "k" * 50, "MONGODB_URI": ""})
    assert result.returncode == 1
    assert result.stderr == "configuration error: MONGODB_URI must be set when DEBUG is false\n"


def test_no_django_migration_is_missing(manage, mongo_db):
    """The credential models need none (migrations_mongo/ owns their collections); the rest are current."""
    result = manage("makemigrations", "--check", "--dry-run", database=mongo_db.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("No changes detected")


def test_a_setting_that_is_not_a_number_refuses_in_one_line(manage, mongo_db):
    result = manage("check", database=mongo_db.name, env={"MONGODB_TIMEOUT_MS": "ten seconds"})
    assert result.returncode == 1
    assert result.stderr == "configuration error: MONGODB_TIMEOUT_MS must be a whole number, not 'ten seconds'\n"


def test_production_must_say_how_many_proxies_stand_in_front(manage, mongo_db):
    env = {**PRODUCTION, "SECRET_KEY": "k" * 50, "TRUSTED_PROXY_COUNT": ""}
    result = manage("check", database=mongo_db.name, env=env)
    assert result.returncode == 1
    assert result.stderr == "configuration error: TRUSTED_PROXY_COUNT must be set when DEBUG is false\n"
