"""Create the console's first superuser, once, so a fresh install can be signed in to."""

import secrets

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
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already; none created.")
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
