"""What the admin tests share: a credential page's URL, a page's HTML, the messages a request added."""

from django.urls import reverse


def url(model, action, *args):
    return reverse(f"admin:credentials_{model._meta.model_name}_{action}", args=args)


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response):
    """The messages this request added (earlier ones wait in the session until shown)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]
