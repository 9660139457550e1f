"""Which tenants a staff user may work on, applied to every query the console makes."""

from django.db.models import Q

from .models import TenantAccess


class TenantScope:
    """The tenants (customer ids) one user is granted; superusers are granted all."""

    def __init__(self, *, all_tenants=False, customer_ids=()):
        self.all_tenants = all_tenants
        self.customer_ids = frozenset(customer_ids)

    @classmethod
    def for_user(cls, user):
        if not user.is_active or not user.is_staff:
            return cls()
        if user.is_superuser:
            return cls(all_tenants=True)
        access = TenantAccess.objects.filter(user=user).first()
        return cls(customer_ids=access.customer_ids if access else ())

    @classmethod
    def for_request(cls, request):
        """Looked up once per request."""
        if not hasattr(request, "_tenant_scope"):
            request._tenant_scope = cls.for_user(request.user)
        return request._tenant_scope

    def allows(self, customer_id):
        return self.all_tenants or customer_id in self.customer_ids

    def as_q(self, field="customer_id"):
        return Q() if self.all_tenants else Q(**{f"{field}__in": sorted(self.customer_ids)})

    def filter(self, queryset):
        return queryset if self.all_tenants else queryset.filter(self.as_q())
