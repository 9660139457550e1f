"""The credential pages' token side: health (list column, change-page fieldset and latest events) and the
Refresh now, Test and Disconnect buttons and bulk actions."""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import display_for_value, model_ngettext, quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst, get_text_list

from credentials.actions import bounded_selection
from credentials.health import NEEDS_A_PERSON, health_of
from credentials.models import Health

from . import actions
from .models import TokenEvent

BULK_LIMIT = 100  # each is a call to the platform, made while the page waits
IN_PARALLEL = 8  # calls in flight at once in a bulk action
EVENTS_SHOWN = 10
COLOURS = {
    Health.WORKING: "#1b7f3b",
    Health.REFRESH_DUE: "#b26a00",
    Health.RETRYING: "#b26a00",
    Health.EXPIRES: "#b26a00",
    Health.FAILING: "#b3261e",
    Health.NEEDS_RECONNECT: "#b3261e",
    Health.MISSING_SCOPE: "#b3261e",
    Health.NO_TOKEN: "#666666",
}
MESSAGE_LEVELS = {
    TokenEvent.Outcome.OK: messages.SUCCESS,
    TokenEvent.Outcome.DEAD: messages.ERROR,
}
# (url and method name, the button's and history's words)
TOKEN_ACTIONS = {
    "refresh_now": ("refresh-now", "Refresh now"),
    "test_credential": ("test", "Test"),
    "disconnect": ("disconnect", "Disconnect"),
}


def health_badge(health, detail="", *, detail_chars=None):
    """The coloured label of a Health, and its detail after it."""
    if detail_chars:
        detail = Truncator(detail).chars(detail_chars)
    return format_html(
        '<span class="health health-{}" style="color: {}; font-weight: bold">{}</span>{}',
        health.value,
        COLOURS[health],
        health.label,
        format_html(' <span class="health-detail">{}</span>', detail) if detail else "",
    )


def history_message(action_words, result, model):
    """What the history entry says: the action, what came of it, and the fields it moved (never values)."""
    text = f"{action_words}: {result.summary}."
    if result.changed:
        labels = [capfirst(model._meta.get_field(name).verbose_name) for name in result.changed]
        text += f" Changed {get_text_list(labels, 'and')}."
    return text


class CredentialHealthMixin:
    """For every platform's credential admin (credentials.admin): health where staff look, and the token actions."""

    health_fields = (
        "health_verdict", "next_refresh_at", "last_refresh_attempt_at", "last_token_refresh",
        "refresh_failures", "last_error", "reconnect_by", "token_events",
    )  # fmt: skip
    change_form_template = "admin/refresh/credential_change_form.html"

    def health_fieldset(self, obj):
        return [("Health", {"fields": list(self.health_fields)})] if obj is not None else []

    # --- Shown -------------------------------------------------------------------------------

    @admin.display(description="health")
    def health_column(self, credential):
        return health_badge(*health_of(self.platform, credential, timezone.now()), detail_chars=80)

    @admin.display(description="health")
    def health_verdict(self, credential):
        return health_badge(*health_of(self.platform, credential, timezone.now()))

    @admin.display(description="last error")
    def last_error(self, credential):
        if not credential.last_error_code and not credential.last_error_reason:
            return "—"
        return f"{credential.last_error_code or 'error'}: {credential.last_error_reason or ''}".strip()

    @admin.display(description="latest token events")
    def token_events(self, credential):
        mine = TokenEvent.objects.filter(credential_id=credential.credential_id, platform=self.platform.key)
        events = list(mine[:EVENTS_SHOWN])
        if not events:
            return "None yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    display_for_value(e.at, "—"),
                    e.get_action_display(),
                    e.get_outcome_display(),
                    e.reason or "—",
                    e.actor,
                )
                for e in events
            ),
        )
        return format_html(
            '<table class="token-events"><thead><tr><th>Time</th><th>Action</th><th>Outcome</th><th>Reason</th>'
            "<th>Who</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            health, detail = health_of(self.platform, obj, timezone.now())
            context.update(health=health, health_detail=detail, needs_a_person=health in NEEDS_A_PERSON)
            if self.has_change_permission(request, obj):
                context["token_action_urls"] = {
                    method: reverse(f"admin:{self._token_url_name(method)}", args=[quote(obj.pk)])
                    for method in TOKEN_ACTIONS
                }
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- The buttons on a credential's page -------------------------------------------------------

    def _token_url_name(self, method):
        return f"{self.opts.app_label}_{self.opts.model_name}_{method}"

    def get_urls(self):
        own = [
            path(
                f"<path:object_id>/{slug}/",
                self.admin_site.admin_view(self._token_action_view),
                {"method": method},
                name=self._token_url_name(method),
            )
            for method, (slug, _words) in TOKEN_ACTIONS.items()
        ]
        return [*own, *super().get_urls()]

    def _token_action_view(self, request, object_id, method):
        credential = self.get_object(request, unquote(object_id))  # 404 outside the tenants granted
        if not self.has_change_permission(request, credential):
            raise PermissionDenied
        if method == "disconnect" and request.POST.get("post") != "yes":
            return self._disconnect_confirmation(request, [credential], single=True)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        result = getattr(actions, method)(self.platform, credential, request.user.get_username())
        words = TOKEN_ACTIONS[method][1]
        self._write_history(request, [(credential, result)], words)
        self.message_user(request, f"{words} — {credential}: {result.message}.", _level(result))
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(credential.pk)])
        return HttpResponseRedirect(change_url)

    def _disconnect_confirmation(self, request, credentials, *, single=False):
        context = {
            **self.admin_site.each_context(request),
            "title": "Disconnect?",
            "opts": self.opts,
            "platform": self.platform,
            "credentials": credentials,
            "count": len(credentials),
            "revocable": bool(self.platform.oauth.revocation_url),
            # A single credential's page posts back to itself; the list posts the action and the ids.
            "action": None if single else "disconnect_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/refresh/disconnect_confirmation.html", context)

    # --- The same as bulk actions -----------------------------------------------------------------

    @admin.action(description="Refresh now", permissions=["change"])
    def refresh_selected(self, request, queryset):
        return self._bulk(request, queryset, "refresh_now")

    @admin.action(description="Test (call the platform with the token)", permissions=["change"])
    def test_selected(self, request, queryset):
        return self._bulk(request, queryset, "test_credential")

    @admin.action(description="Disconnect (revoke and clear the tokens)", permissions=["change"])
    def disconnect_selected(self, request, queryset):
        return self._bulk(request, queryset, "disconnect")

    def _bulk(self, request, queryset, method):
        words = TOKEN_ACTIONS[method][1]
        refusal = f"{words} calls the platform once per credential: select at most {BULK_LIMIT}; nothing was done."
        credentials = bounded_selection(self, request, queryset, BULK_LIMIT, refusal)
        if credentials is None:
            return None
        if not credentials:
            self.message_user(request, "None of the selected credentials is yours to change; nothing was done.")
            return None
        if method == "disconnect" and request.POST.get("post") != "yes":
            return self._disconnect_confirmation(request, credentials)
        results = run_each(getattr(actions, method), self.platform, credentials, request.user.get_username())
        self._write_history(request, results, words)
        self._report(request, words, results)
        return None

    def _write_history(self, request, results, words):
        """One history entry per credential; those with the same message written together."""
        by_message = defaultdict(list)
        for credential, result in results:
            by_message[history_message(words, result, self.model)].append(credential)
        for message, credentials in by_message.items():
            LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=credentials, action_flag=CHANGE, change_message=message
            )

    def _report(self, request, words, results):
        counts = defaultdict(int)
        for _credential, result in results:
            counts[result.summary] += 1
        total = len(results)
        tally = "; ".join(f"{summary}: {count}" for summary, count in counts.items())
        level = max((_level(result) for _credential, result in results), default=messages.WARNING)
        self.message_user(request, f"{words}, {total} {model_ngettext(self.opts, total)}: {tally}.", level)
        unwell = [(c, r) for c, r in results if r.outcome != TokenEvent.Outcome.OK and r.detail]
        for credential, result in unwell[:10]:
            self.message_user(request, f"{credential}: {result.message}.", _level(result))
        if len(unwell) > 10:
            self.message_user(request, f"…and {len(unwell) - 10} more; each credential's page lists its events.")


def _level(result):
    return MESSAGE_LEVELS.get(result.outcome, messages.WARNING)


def run_each(action, platform, credentials, actor):
    """[(credential, Result)] of `action` on each, a few at once: each mostly waits on the platform."""

    def one(credential):
        try:
            return action(platform, credential, actor)
        finally:
            close_old_connections()  # this thread's own connection

    with ThreadPoolExecutor(IN_PARALLEL, thread_name_prefix="token-action") as pool:
        return list(zip(credentials, pool.map(one, credentials), strict=True))
