"""Create the console's first superuser, once, so a fresh install can be signed in to."""

import os
import secrets
import sys
from pathlib import Path

import environ
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

env = environ.Env()


class Command(BaseCommand):
    help = (
        "Create a superuser if none exists: CONSOLE_ADMIN_USERNAME (default admin) with "
        "CONSOLE_ADMIN_PASSWORD, or a generated password printed once."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        users = get_user_model()
        superusers = sorted(users.objects.filter(is_superuser=True).values_list(users.USERNAME_FIELD, flat=True))
        if superusers:
            # Said at every `make run` after the first, when a password noted once may be lost.
            self.stdout.write(
                f"A superuser exists already ({', '.join(superusers)}); none created. A lost password is reset "
                f"with `{python()} manage.py changepassword {superusers[0]}`."
            )
            return
        username = env.str("CONSOLE_ADMIN_USERNAME", default="admin")
        password = env.str("CONSOLE_ADMIN_PASSWORD", default="")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(15)
        users.objects.create_superuser(username=username, email="", password=password)
        if generated:
            # Printed this once and stored only as a hash: note it now.
            self.stdout.write(f"Created superuser {username!r} with password: {password}")
        else:
            self.stdout.write(f"Created superuser {username!r} with the password from CONSOLE_ADMIN_PASSWORD.")


def python():
    """This Python as the operator would type it: `.venv/bin/python` under the project, else its full path."""
    executable = Path(sys.executable)
    return os.path.relpath(executable) if executable.is_relative_to(Path.cwd()) else str(executable)
