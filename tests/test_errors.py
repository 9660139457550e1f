"""Failures as operators meet them: a database misconfigured, away, or refusing us.

Every command, Django's own and the console's, fails in one line on stderr with a
non-zero exit, no traceback and no password; the DEBUG error page shows the database's
URI with its password masked. The commands run as real `manage.py` processes.
"""

import socket
import subprocess
import sys
from typing import NamedTuple

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler
from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response
from pymongo.uri_parser import parse_uri

from credentials.management.errors import failure_line
from credentials.mongo import mask_passwords

# Kept apart from the code below: the error page shows the source around each frame.
PASSWORD = "pw-SENTINEL-4b7e"
ENCODED_PASSWORD, DECODED_PASSWORD = "pw%40SENTINEL-91c3", "pw@SENTINEL-91c3"
MASK = "********************"  # Django's cleansed_substitute


def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def failing_uri(failure, server):
    """The MONGODB_URI that makes the database fail this way, and what the one line must say."""
    if failure == "malformed URI":
        return f"mongodb://ops:{PASSWORD}@127.0.0.1:notaport/", "MONGODB_URI is invalid: Port contains non-digit"
    if failure == "unreachable server":
        port = closed_port()
        return f"mongodb://ops:{PASSWORD}@127.0.0.1:{port}/", f"cannot reach MongoDB at 127.0.0.1:{port}: "
    if failure == "credentials refused":
        return f"mongodb://ops:{PASSWORD}@{server}/", f"cannot reach MongoDB at {server}: authentication failed"
    assert failure == "unresolvable host"
    return f"mongodb://ops:{PASSWORD}@nosuchhost.invalid:27017/", "cannot reach MongoDB at nosuchhost.invalid:27017: "


FAILURES = ["malformed URI", "unreachable server", "credentials refused", "unresolvable host"]
COMMANDS = {
    "check": ["check"],
    "migrate": ["migrate", "--noinput"],
    "createsuperuser": ["createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.com"],
    "changepassword": ["changepassword", "ops"],
    "shell -c": ["shell", "-c", "from django.contrib.auth.models import User; User.objects.count()"],
    "grant_tenants": ["grant_tenants", "ops", "acme"],
    "create_first_superuser": ["create_first_superuser"],
    "rotate_cred_keys": ["rotate_cred_keys"],
    "apply_cred_migrations": ["apply_cred_migrations"],
}


def case(failure, command):
    return pytest.param(failure, command, id=f"{command}-{failure}")


class Outcome(NamedTuple):
    returncode: int
    stdout: str
    stderr: str
    expected: str


@pytest.fixture(scope="module")
def started():
    """Each failure's processes, one per command, started together by its first test.

    Each spends a second or two starting Django and up to MONGODB_TIMEOUT_MS looking for
    a server: together they share both cores and overlap the waits, where one at a time
    they would cost the suite over a minute.
    """
    batches = {}
    yield batches
    for _, processes in batches.values():
        for process in processes.values():
            process.kill()


@pytest.fixture
def outcome(manage, mongodb_uri, started):
    host, port = parse_uri(mongodb_uri)["nodelist"][0]

    def start(uri, arguments):
        environment = {"MONGODB_URI": uri, "MONGODB_TIMEOUT_MS": "1000"}
        return manage(*arguments, database="test_errors", env=environment, background=True, stdin=subprocess.DEVNULL)

    def run(failure, command):
        if failure not in started:
            uri, expected = failing_uri(failure, f"{host}:{port}")
            started[failure] = expected, {name: start(uri, arguments) for name, arguments in COMMANDS.items()}
        expected, processes = started[failure]
        stdout, stderr = processes[command].communicate(timeout=120)
        return Outcome(processes[command].returncode, stdout, stderr, expected)

    return run


@pytest.mark.parametrize(("failure", "command"), [case(f, c) for f in FAILURES for c in COMMANDS])
def test_command_fails_in_one_line_without_the_password(outcome, failure, command):
    result = outcome(failure, command)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    assert result.expected in lines[0]
    assert "Topology Description" not in lines[0] and "full error" not in lines[0]


def test_a_command_needing_no_database_still_works_with_a_malformed_uri(manage):
    uri, _ = failing_uri("malformed URI", None)
    result = manage("generate_cred_key", "--quiet", database="test_errors", env={"MONGODB_URI": uri})
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) == 44  # a Fernet key


def test_traceback_option_shows_the_traceback(manage):
    uri, _ = failing_uri("malformed URI", None)
    result = manage("create_first_superuser", "--traceback", database="test_errors", env={"MONGODB_URI": uri})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ValueError: Port contains non-digit characters" in result.stderr


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "mongodb+srv://ops:s3cret@cluster0.example.net/?retryWrites=true&w=majority",
            "mongodb+srv://ops:********@cluster0.example.net/?retryWrites=true&w=majority",
        ),
        # Unescaped `/` and `@` (what makes a URI malformed) are masked with the rest of it.
        ("mongodb://ops:s3/cr@t@db.example.net:notaport/", "mongodb://ops:********@db.example.net:notaport/"),
        (
            "'mongodb://ops:s3cret@h1:1,h2:2/db', 'mongodb://h3/'",
            "'mongodb://ops:********@h1:1,h2:2/db', 'mongodb://h3/'",
        ),
        ("mongodb://127.0.0.1:27017/?appName=console", "mongodb://127.0.0.1:27017/?appName=console"),
        ("mongodb://ops@db.example.net/", "mongodb://ops@db.example.net/"),
    ],
)
def test_mask_passwords_hides_the_password_and_keeps_the_rest(text, masked):
    assert mask_passwords(text) == masked


def test_failure_line_masks_and_joins_a_configuration_error_and_leaves_bugs_alone():
    error = ImproperlyConfigured(f"MONGODB_URI mongodb://ops:{PASSWORD}@db.example.net/\nis wrong")
    assert failure_line(error) == "configuration error: MONGODB_URI mongodb://ops:********@db.example.net/ is wrong"
    assert failure_line(KeyError("a bug")) is None


# The DEBUG error page -------------------------------------------------------------------


def error_page(uri, fail):
    """Django's real DEBUG 500 page for what `fail` raises, with `uri` configured and in the environment."""
    databases = {"default": {**settings.DATABASES["default"], "HOST": uri}}
    with override_settings(DEBUG=True, MONGODB_URI=uri, DATABASES=databases):
        request = RequestFactory().get("/admin/", MONGODB_URI=uri)
        try:
            fail(databases)
        except Exception:
            return technical_500_response(request, *sys.exc_info()).content.decode()
    raise AssertionError("nothing failed")


def a_bug(databases):
    raise RuntimeError("a bug in a view")


def connect(databases):
    """Open a connection as the first request after start-up does.

    Under an alias of its own: the backend keeps one client per alias, and "default" has the suite's.
    """
    ConnectionHandler({**databases, "fresh": databases["default"]})["fresh"].ensure_connection()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_error_page_masks_the_database_password_and_keeps_the_rest_of_the_uri():
    page = error_page(f"mongodb://ops:{PASSWORD}@db.example.net:27017/?appName=console", a_bug)
    assert PASSWORD not in page
    # MONGODB_URI, DATABASES' HOST and request.META each show it.
    assert page.count(f"mongodb://ops:{MASK}@db.example.net:27017/?appName=console") >= 3


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize("password", [PASSWORD, ENCODED_PASSWORD])
def test_error_page_masks_the_password_in_the_parsers_local_variables(db, password):
    """A malformed URI fails in pymongo's parser (`db` lets it try), whose locals hold the password alone."""
    page = error_page(f"mongodb://ops:{password}@db.example.net:notaport/", connect)
    assert "Port contains non-digit characters" in page
    assert "<td>passwd</td>" in page and "<td>conn_params</td>" in page
    assert password not in page and DECODED_PASSWORD not in page
    assert "db.example.net:notaport" in page
