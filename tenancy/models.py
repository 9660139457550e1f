from django.conf import settings
from django.db import models
from django_mongodb_backend.fields import ArrayField


class TenantAccess(models.Model):
    """The tenants (customer ids) a staff user may see and change. Superusers see all."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tenant_access")
    customer_ids = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="Comma-separated customer ids this user may work on.",
    )

    class Meta:
        verbose_name = "tenant access"
        verbose_name_plural = "tenant access"

    def __str__(self):
        return f"{self.user}: {len(self.customer_ids)} tenant(s)"
