"""The link from any tenant id the console shows to that customer's page."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html


def customer_url(customer_id):
    return reverse("admin:credentials_customer", args=[customer_id])


def customer_link(customer_id):
    if not customer_id:
        return "—"
    return format_html('<a class="customer-link" href="{}">{}</a>', customer_url(customer_id), customer_id)


@admin.display(description="tenant", ordering="customer_id")
def tenant_column(obj):
    """A list page's tenant column (any model with a `customer_id`)."""
    return customer_link(obj.customer_id)
