from django.apps import AppConfig


class RefreshConfig(AppConfig):
    name = "refresh"
    verbose_name = "Token refresh"
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
