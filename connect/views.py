"""The customer's pages: the link, the way back from the platform, the choice, and the outcome."""

import functools
import logging

from bson import ObjectId
from bson.errors import InvalidId
from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from credentials.platforms import REGISTRY

from .completion import check_target
from .failures import ConnectFailed
from .flow import Choice, check_usable, choice_labels, choose_account, finish, start
from .links import find_link
from .models import new_token

log = logging.getLogger("connect")
BROWSER_COOKIE_SECONDS = 24 * 3600


def browser_cookie_name():
    """Binds a flow to the browser that started it; a callback from any other browser is refused.

    In production "__Host-": only this host, over HTTPS, can set it, so no sibling subdomain
    can plant a value shared with a victim's browser.
    """
    return "connect_browser" if settings.DEBUG else "__Host-connect_browser"


def public_page(view):
    """No caching, no Referer beyond the console (the link's URL is its secret), not indexed.

    "same-origin" rather than "no-referrer": with the latter browsers send `Origin: null` on
    the link's form, which Django's CSRF check rightly refuses.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _page(request, template, status=200, **context):
    return render(request, f"connect/{template}", {"company": settings.CONNECT_COMPANY_NAME, **context}, status=status)


def _failed(request, failure):
    log.warning("connect refused: %s", failure.reason)
    return _page(request, "failed.html", status=failure.status, failure=failure)


def _done(request, connected):
    platform = REGISTRY[connected.credential.platform]
    return _page(
        request,
        "done.html",
        platform=platform,
        connected=connected,
        missing_scopes=platform.missing_scopes(connected.credential),
    )


@public_page
@require_http_methods(["GET", "POST"])
def link_page(request, token):
    link = find_link(token)
    if link is None:
        return _failed(
            request,
            ConnectFailed(
                "This link is not valid",
                "Check that you opened the whole link you were sent, or ask for a new one.",
                reason="unknown link token",
                status=404,
            ),
        )
    try:
        check_usable(link)
        credential = check_target(link)
        if request.method == "POST":
            browser_secret = request.COOKIES.get(browser_cookie_name()) or new_token()
            response = HttpResponseRedirect(start(link, browser_secret))
            response.set_cookie(
                browser_cookie_name(),
                browser_secret,
                max_age=BROWSER_COOKIE_SECONDS,
                path="/",  # "__Host-" cookies must have it
                secure=not settings.DEBUG,
                httponly=True,
                samesite="Lax",  # sent when the platform sends the browser back (a top-level GET)
            )
            return response
    except ConnectFailed as failure:
        return _failed(request, failure)
    platform = REGISTRY[link.platform]
    return _page(request, "link.html", link=link, platform=platform, credential=credential)


@public_page
@require_GET
def callback(request, platform):
    try:
        result = finish(platform, request.GET, request.COOKIES.get(browser_cookie_name()))
    except ConnectFailed as failure:
        return _failed(request, failure)
    if isinstance(result, Choice):
        return HttpResponseRedirect(reverse("connect:choose", args=[result.flow.pk]))
    return _done(request, result)


@public_page
@require_http_methods(["GET", "POST"])
def choose(request, flow_id):
    browser_secret = request.COOKIES.get(browser_cookie_name())
    try:
        flow_id = ObjectId(flow_id)
    except InvalidId:
        flow_id = None
    try:
        if request.method == "POST":
            try:
                index = int(request.POST.get("account", ""))
            except ValueError:
                index = -1
            return _done(request, choose_account(flow_id, browser_secret, index))
        platform, labels = choice_labels(flow_id, browser_secret)
    except ConnectFailed as failure:
        return _failed(request, failure)
    return _page(request, "choose.html", platform=platform, labels=labels)
