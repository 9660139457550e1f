"""Sign-in with a second factor, first enrollment, recovery codes, and each staff user's own page."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, logout
from django.contrib.auth.views import redirect_to_login
from django.db import IntegrityError
from django.shortcuts import redirect, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from two_factor.utils import default_device
from two_factor.views import LoginView, SetupView

from tenancy.scope import TenantScope

from .recovery_codes import codes_left, replace_codes, take_fresh_codes

# Where a person goes once enrolled: the page they first asked for.
NEXT_SESSION_KEY = "accounts_next"
# Until when this session may enroll an authenticator: set by typing the password, so that a
# session left over from before (or one whose second factor a superuser reset) cannot.
MAY_ENROLL_UNTIL = "accounts_may_enroll_until"
ENROLLMENT_WINDOW_SECONDS = 15 * 60


def must_enroll(user):
    return settings.CONSOLE_REQUIRE_MFA and user.is_authenticated and default_device(user) is None


def safe_next(request):
    """The `next` page asked for, if it is one of ours."""
    target = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def start_enrollment(request, next_url):
    request.session[NEXT_SESSION_KEY] = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    return redirect("two_factor:setup")


class SignInView(LoginView):
    """Password, then a code from the authenticator (or a recovery code).

    A user without an authenticator yet is signed in by password only so far, and is sent
    straight to enroll one: until then no staff page opens for them.
    """

    template_name = "two_factor/core/login.html"

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        if must_enroll(self.get_user()):
            self.request.session[MAY_ENROLL_UNTIL] = time.time() + ENROLLMENT_WINDOW_SECONDS
            return start_enrollment(self.request, self.get_success_url())
        return response


class EnrollView(SetupView):
    """First enrollment: the QR code (shown during this wizard only), then a code to confirm it.

    Only for an account without an authenticator, and only just after typing its password:
    adding one to an account that has one, or from an old session, would let a stolen
    session plant its own. Resetting one is a superuser's action.
    """

    success_url = "admin:account_recovery_codes"  # where the new recovery codes are shown, once

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and default_device(request.user) is not None:
            return redirect("admin:account")
        if request.user.is_authenticated and request.session.get(MAY_ENROLL_UNTIL, 0) < time.time():
            logout(request)
            messages.info(request, "To set up your authenticator app, sign in with your password again.")
            return redirect_to_login(reverse("admin:index"), settings.LOGIN_URL)
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        # Always the recovery codes page, which alone shows (and so clears) the new codes.
        return reverse(self.success_url)

    def done(self, form_list, **kwargs):
        try:
            response = super().done(form_list, **kwargs)  # saves the device and verifies this session with it
        except IntegrityError:
            # Another sign-in of this account enrolled at the same moment, and its device was
            # saved first (one authenticator per user is a unique index).
            logout(self.request)
            messages.error(self.request, "Another sign-in set up an authenticator first: sign in with that one.")
            return redirect_to_login(reverse("admin:index"), settings.LOGIN_URL)
        del self.request.session[MAY_ENROLL_UNTIL]
        replace_codes(self.request)
        return response


def account_view(site, request):
    """The signed-in user's own page: their tenants, roles and second factor."""
    user = request.user
    scope = TenantScope.for_request(request)
    context = {
        **site.each_context(request),
        "title": "Your account",
        "account": user,
        "all_tenants": scope.all_tenants,
        "tenants": sorted(scope.customer_ids),
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "authenticator": default_device(user),
        "codes_left": codes_left(user),
    }
    return TemplateResponse(request, "accounts/account.html", context)


def recovery_codes_view(site, request):
    """New recovery codes on request (the old ones stop working); new codes are shown once.

    Making them asks for the password again: codes outlive the session, so a stolen
    session must not be able to mint its own.
    """
    if request.method == "POST":
        password = request.POST.get("password", "")
        if authenticate(request, username=request.user.get_username(), password=password) != request.user:
            messages.error(request, "That is not your password: no new recovery codes were made.")
        else:
            replace_codes(request)
            messages.success(request, "New recovery codes made: the old ones no longer work.")
        return redirect("admin:account_recovery_codes")
    context = {
        **site.each_context(request),
        "title": "Recovery codes",
        "fresh_codes": take_fresh_codes(request),
        "codes_left": codes_left(request.user),
        "continue_url": request.session.pop(NEXT_SESSION_KEY, None) or reverse("admin:account"),
    }
    return TemplateResponse(request, "accounts/recovery_codes.html", context)
