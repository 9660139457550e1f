"""`make run` (bin/run-console) as a new user meets it: the port it serves on, the superuser, the console's links."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PROJECT_DIR

RUN_CONSOLE = str(PROJECT_DIR / "bin" / "run-console")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_console_env(mongodb_uri, database, **variables):
    """The environment of `make run` against the test server (no embedded database, no .env written)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("CONSOLE_PORT", "DJANGO_SETTINGS_MODULE")}
    return {
        **environment,
        "MONGODB_URI": mongodb_uri,
        "MONGODB_NAME": database,
        "CREDENTIALS_ENCRYPTION_KEYS": ",".join(settings.CREDENTIALS_ENCRYPTION_KEYS),
        **variables,
    }


@pytest.mark.parametrize("port", ["abc", "0", "70000", "80 80", "-1"])
@pytest.mark.parametrize("variable", ["CONSOLE_PORT", "DEVDB_PORT", "OAUTH_EMULATOR_PORT"])
def test_a_port_that_is_no_port_stops_make_run_in_one_line(mongodb_uri, variable, port):
    result = subprocess.run(
        [RUN_CONSOLE],
        env=run_console_env(mongodb_uri, "never_created", **{variable: port}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == f"{variable} must be a port number from 1 to 65535, not '{port}'.\n"
    assert result.stdout == ""


def test_a_taken_console_port_stops_make_run_naming_the_variable(mongodb_uri):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [RUN_CONSOLE],
            env=run_console_env(mongodb_uri, "never_created", CONSOLE_PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr == (
        f"Port {port} is taken, so the console cannot serve there: stop what holds it, or set CONSOLE_PORT "
        "(e.g. CONSOLE_PORT=8001 make run).\n"
    )


def wait_for_page(url, process, timeout=120):
    """The status of GET `url` (redirects not followed) once the server answers."""
    opener = urllib.request.build_opener(NoRedirects)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            return None  # make run stopped
        try:
            return opener.open(url, timeout=2).status
        except urllib.error.HTTPError as answer:
            return answer.code
        except OSError:
            assert time.monotonic() < deadline, f"nothing answered at {url}"
            time.sleep(0.5)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_second_make_run_serves_on_console_port_and_says_how_to_reset_the_password(scratch_db, manage, mongodb_uri):
    # What the first `make run` left: Django's tables and a superuser.
    assert manage("migrate", "--noinput", database=scratch_db.name).returncode == 0
    first = manage("create_first_superuser", database=scratch_db.name, env={"CONSOLE_ADMIN_USERNAME": "boss"})
    assert first.stdout.startswith("Created superuser 'boss' with password: ")
    port = free_port()
    console = subprocess.Popen(
        [RUN_CONSOLE],
        env=run_console_env(mongodb_uri, scratch_db.name, CONSOLE_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the console, its refresh worker and runserver stop together
    )
    try:
        status = wait_for_page(f"http://127.0.0.1:{port}/admin/", console)
    finally:
        if console.poll() is None:
            os.killpg(console.pid, signal.SIGTERM)
        output = console.communicate(timeout=60)[0]
    assert status == 302, output  # to the sign-in page
    lines = output.splitlines()
    assert (
        "A superuser exists already (boss); none created. A lost password is reset with "
        "`.venv/bin/python manage.py changepassword boss`."
    ) in lines
    assert f"Sign in at http://127.0.0.1:{port}/admin/ as that superuser. Every staff account has a second" in lines
    assert (
        f"Serving the console at http://127.0.0.1:{port}/admin/ (Ctrl-C stops it; CONSOLE_PORT chooses another port)."
        in lines
    )


def test_the_console_has_no_view_site_link(admin_client):
    for page in (reverse("admin:index"), reverse("admin:password_change")):
        html = admin_client.get(page).content.decode()
        assert "View site" not in html, page
        assert 'href="/"' not in html, page
