"""Secrets typed into a credential form that did not save, kept sealed in the user's session until it does.

A password box is never filled back in, so without this every secret typed into a form that
comes back with an error would be lost, and a second save would store the credential without
them. Instead the form keeps what was typed here, under a random token it carries in a hidden
field, and the next submission of the same form uses it where its box is left blank.

What is kept never reaches the page, not even encrypted: only the token does. It lives in the
session (stored server-side by Django's session backend), sealed like a stored secret but for
its own place, ``kept:<collection>`` / ``<user pk>:<form>:<token>`` / field, so it opens only for
the user, the form (collection and credential) and the field it was typed into. It expires after
KEPT_FOR, and is dropped when the form saves.
"""

import secrets
import time

from .secrets import SecretContext, UndecryptableSecret, decrypt_secret, encrypt_secret

SESSION_KEY = "kept_typed_secrets"
TOKEN_FIELD = "kept_secrets"  # the form's hidden field carrying the token
KEPT_FOR = 60 * 60  # seconds: a form left this long is abandoned
MAX_FORMS = 20  # forms with kept secrets per session; the oldest go first


class KeptSecrets:
    """The secrets kept for one form of one user: `values()` to use them, `keep()` after a failed save,
    `forget()` once saved."""

    def __init__(self, session, user_pk, collection, object_pk, token):
        self.session = session
        self.user = str(user_pk)
        self.collection = collection
        self.form = str(object_pk) if object_pk is not None else "new"
        entry = self._entries().get(token or "")
        # A token of another user, collection or credential (or none) keeps nothing here.
        self.token = token if entry and entry["form"] == self._form_key() else None

    def _form_key(self):
        return f"{self.user}:{self.collection}:{self.form}"

    def _context(self, token, field):
        return SecretContext(f"kept:{self.collection}", f"{self.user}:{self.form}:{token}", field)

    def _entries(self):
        """This session's kept forms, the expired ones dropped."""
        entries = self.session.get(SESSION_KEY, {})
        now = time.time()
        live = {token: entry for token, entry in entries.items() if entry["expires"] > now}
        if len(live) != len(entries):
            self._store(live)
        return live

    def _store(self, entries):
        if entries:
            self.session[SESSION_KEY] = entries
        else:
            self.session.pop(SESSION_KEY, None)
        self.session.modified = True

    def values(self):
        """{field: plain text} of what was typed and kept; a value the keys no longer open is not kept."""
        if self.token is None:
            return {}
        sealed = self._entries()[self.token]["values"]
        opened = {}
        for field, stored in sealed.items():
            try:
                opened[field] = decrypt_secret(stored, self._context(self.token, field))
            except UndecryptableSecret:
                continue
        return opened

    def keep(self, typed):
        """Keep {field: plain text} for this form, replacing what it kept before."""
        entries = self._entries()
        entries.pop(self.token, None)
        if not typed:
            self.token = None
            self._store(entries)
            return
        self.token = secrets.token_urlsafe(24)  # a new token each round: one seen on an old page keeps nothing
        entries[self.token] = {
            "form": self._form_key(),
            "expires": time.time() + KEPT_FOR,
            "values": {
                field: encrypt_secret(plain, self._context(self.token, field)) for field, plain in typed.items()
            },
        }
        oldest_first = sorted(entries.items(), key=lambda item: item[1]["expires"])
        self._store(dict(oldest_first[-MAX_FORMS:]))

    def forget(self):
        """Drop what this form kept (it saved)."""
        entries = self._entries()
        if entries.pop(self.token or "", None) is not None:
            self._store(entries)
        self.token = None
