"""Field types with a meaning of their own in the storage contract."""

from django.db import models


class SecretField(models.TextField):
    """A credential secret (token, client or app secret).

    Every secret of every platform is declared with this type, so the registry can list
    them and encryption at rest happens in exactly one place.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)
