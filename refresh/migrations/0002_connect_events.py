from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("refresh", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tokenevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("refresh", "Refresh"),
                    ("test", "Test"),
                    ("disconnect", "Disconnect"),
                    ("connect", "Connect"),
                ],
                max_length=20,
            ),
        ),
    ]
