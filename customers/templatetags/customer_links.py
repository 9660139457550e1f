"""`{{ customer_id|customer_link }}`: a tenant id as a link to its customer page."""

from django import template

from customers.links import customer_link as link

register = template.Library()


@register.filter
def customer_link(customer_id):
    return link(customer_id)
