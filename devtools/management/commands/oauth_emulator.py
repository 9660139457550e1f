"""Serve the OAuth platform emulator in the foreground (development only), or print the environment for it."""

import json
import os
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.oauth_emulator import app_environment, origin_overrides_for, start_emulator


def shell_quoted(value):
    return "'" + value.replace("'", "'\\''") + "'"


class Command(BaseCommand):
    help = (
        "Serve an emulator of the seven platforms' OAuth, identity and revocation endpoints on loopback, "
        "so that accounts connect end to end without real platform apps. Development only (DEBUG=true)."
    )
    # It touches no database: the console's checks (which do) need not pass first.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=9100, help="port to listen on (default 9100)")
        parser.add_argument(
            "--access-token-seconds",
            type=int,
            default=os.environ.get("OAUTH_EMULATOR_ACCESS_TOKEN_SECONDS") or None,
            help=(
                "demos: renewable access tokens live at most this many seconds instead of the platform's "
                "hours or days, so the refresher is seen keeping them alive "
                "(default: $OAUTH_EMULATOR_ACCESS_TOKEN_SECONDS, else the platform's own lifetimes)"
            ),
        )
        parser.add_argument(
            "--print-environment",
            action="store_true",
            help="print shell export lines (OAUTH_ORIGIN_OVERRIDES and the emulated apps) and exit",
        )

    def handle(self, *args, host, port, print_environment, access_token_seconds, **options):
        if not settings.DEBUG:
            raise CommandError("oauth_emulator is a development tool: it runs only with DEBUG=true")
        if access_token_seconds is not None and access_token_seconds < 30:
            # The refresher renews at half a short token's life and polls every few seconds.
            raise CommandError(f"--access-token-seconds takes 30 or more, not {access_token_seconds}")
        base_url = f"http://{host}:{port}"
        if print_environment:
            overrides = json.dumps(origin_overrides_for(base_url), sort_keys=True)
            self.stdout.write(f"export OAUTH_ORIGIN_OVERRIDES={shell_quoted(overrides)}")
            for name, value in app_environment().items():
                self.stdout.write(f"export {name}={shell_quoted(value)}")
            return
        try:
            running = start_emulator(host, port, log=lambda line: print(f"oauth_emulator: {line}", file=sys.stderr))
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        running.cap_access_lifetime(access_token_seconds)
        self.stdout.write(f"OAuth platform emulator at {running.base_url} (development only; Ctrl-C stops it)")
        if access_token_seconds:
            self.stdout.write(f"Renewable access tokens live {access_token_seconds} s (--access-token-seconds)")
        self.stdout.write(f"OAUTH_ORIGIN_OVERRIDES={running.origin_overrides_json()}")
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            running.stop()
