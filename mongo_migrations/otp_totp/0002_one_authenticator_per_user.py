"""One authenticator app per user, enforced by the database.

Two sign-ins of one new account enrolling at the same moment would otherwise both save
one: there are no transactions to keep them apart. The index, not the model, carries the
rule, so django-otp's model (and Django's migration state) stays as shipped.
"""

from django.db import migrations

COLLECTION = "otp_totp_totpdevice"
INDEX = "one_authenticator_per_user"


def add_index(apps, schema_editor):
    schema_editor.connection.database[COLLECTION].create_index("user_id", unique=True, name=INDEX)


def drop_index(apps, schema_editor):
    schema_editor.connection.database[COLLECTION].drop_index(INDEX)


class Migration(migrations.Migration):
    dependencies = [("otp_totp", "0001_initial")]
    operations = [migrations.RunPython(add_index, drop_index)]
