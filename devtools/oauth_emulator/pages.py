"""The emulator's browser pages: the consent screen a person answers, the refusal page, and a person's
connected apps."""

from html import escape

STYLE = """
body { margin: 0; background: #f2f4f7; color: #1d2330;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 30rem; margin: 3rem auto; background: #fff; border: 1px solid #d8dde6; border-radius: 10px;
       padding: 1.75rem 2rem; box-shadow: 0 2px 8px rgba(20, 30, 50, .06); }
.note { margin: 0 0 1.25rem; padding: .5rem .75rem; border-radius: 6px; background: #fff7e0; border: 1px solid #f0d68a;
        font-size: .85rem; color: #6b5200; }
h1 { margin: 0 0 .75rem; font-size: 1.3rem; }
p { margin: .5rem 0; }
label.field { display: block; margin: 1.25rem 0 .35rem; font-weight: 600; }
select { width: 100%; padding: .45rem; font: inherit; border: 1px solid #b9c1cf; border-radius: 6px; background: #fff; }
fieldset { margin: 1.25rem 0 0; padding: .5rem .9rem .75rem; border: 1px solid #d8dde6; border-radius: 6px; }
legend { padding: 0 .3rem; font-weight: 600; }
label.scope { display: block; margin: .3rem 0; }
code { font-size: .85rem; background: #f2f4f7; padding: .05rem .3rem; border-radius: 4px; word-break: break-all; }
.where { margin-top: 1.25rem; font-size: .85rem; color: #566075; }
.buttons { display: flex; gap: .75rem; justify-content: flex-end; margin-top: 1.5rem; }
button { font: inherit; padding: .5rem 1.4rem; border-radius: 6px; cursor: pointer; border: 1px solid #b9c1cf;
         background: #fff; color: #1d2330; }
button.allow { background: #1f5fd1; border-color: #1f5fd1; color: #fff; font-weight: 600; }
.error { color: #a3221b; }
main.wide { max-width: 60rem; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-top: 1px solid #e3e7ee; }
td code { word-break: normal; white-space: nowrap; }
td button { padding: .3rem .8rem; white-space: nowrap; }
"""


def _page(title, body, *, wide=False):
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main{' class=wide' if wide else ''}>{body}</main></body></html>\n"
    )


def _note(platform_title):
    return (
        f'<p class="note">Development emulator: this is not the real {escape(platform_title)}. '
        "The accounts are made up and nothing leaves this machine.</p>"
    )


def consent_page(*, platform_title, client_id, action, hidden, accounts, scopes, permissions_text, redirect_uri):
    """The consent screen: pick the account that signs in, untick scopes to grant fewer, allow or deny.

    `accounts` are (value, label) pairs, the first selected; `scopes` the scopes asked, each a
    ticked checkbox named "scope"; `permissions_text` replaces the boxes where nothing is
    chosen (X OAuth 1.0a: the app's own read/write setting).
    """
    title = f"Emulated {platform_title} — sign in and allow"
    fields = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in hidden.items()
    )
    options = "".join(
        f'<option value="{escape(value)}"{" selected" if position == 0 else ""}>{escape(label)}</option>'
        for position, (value, label) in enumerate(accounts)
    )
    if scopes:
        boxes = "".join(
            f'<label class="scope"><input type="checkbox" name="scope" value="{escape(scope)}" checked> '
            f"{escape(scope)}</label>"
            for scope in scopes
        )
        permissions = f"<fieldset><legend>Permissions asked (untick to grant fewer)</legend>{boxes}</fieldset>"
    else:
        permissions = f"<fieldset><legend>Permissions</legend><p>{escape(permissions_text)}</p></fieldset>"
    body = (
        f"{_note(platform_title)}<h1>{escape(title)}</h1>"
        f"<p>The app <strong>{escape(client_id)}</strong> wants to use your {escape(platform_title)} account.</p>"
        f'<form method="post" action="{escape(action)}">{fields}'
        f'<label class="field" for="account">Sign in as</label><select id="account" name="account">{options}</select>'
        f"{permissions}"
        f'<p class="where">Your answer returns you to <code>{escape(redirect_uri)}</code></p>'
        # Allow comes first in the form, so that pressing Enter allows, as on the real screens.
        '<div class="buttons"><button class="allow" type="submit" name="decision" value="allow">Allow</button>'
        '<button type="submit" name="decision" value="deny">Deny</button></div>'
        "</form>"
    )
    return _page(title, body)


def refusal_page(platform_title, message):
    """What a browser sees for an authorize request the platform refuses: nobody is redirected."""
    title = f"Emulated {platform_title} — request refused"
    body = f'{_note(platform_title)}<h1>{escape(title)}</h1><p class="error">{escape(message)}</p>'
    return _page(title, body)


def verifier_page(platform_title, verifier):
    """X OAuth 1.0a with oauth_callback=oob: the person copies the PIN into the app."""
    title = f"Emulated {platform_title} — your PIN"
    pin = f"<p>Enter this PIN in the app: <code>{escape(verifier)}</code></p>"
    body = f"{_note(platform_title)}<h1>{escape(title)}</h1>{pin}"
    return _page(title, body)


def index_page(overrides):
    rows = "".join(
        f"<tr><td><code>{escape(real)}</code></td><td><code>{escape(local)}</code></td></tr>"
        for real, local in overrides.items()
    )
    body = (
        '<p class="note">Development emulator of seven platforms\' OAuth endpoints.</p>'
        "<h1>OAuth platform emulator</h1><p>Set OAUTH_ORIGIN_OVERRIDES so that each origin goes here:</p>"
        f"<table>{rows}</table>"
    )
    return _page("OAuth platform emulator", body)


def connected_apps_page(apps):
    """A person's "connected apps" settings, every platform on one page: Remove access revokes a grant."""
    rows = "".join(
        f"<tr><td>{escape(label)}</td><td><code>{escape(app)}</code></td><td>{escape(scopes)}</td><td>"
        + (
            "access removed"
            if revoked
            else f'<form method="post"><input type="hidden" name="grant" value="{number}">'
            f'<button type="submit">Remove access</button></form>'
        )
        + "</td></tr>"
        for number, (label, app, scopes, revoked, _revoke) in enumerate(apps)
    )
    body = (
        '<p class="note">Development emulator: what each emulated person has allowed, as a platform\'s '
        "settings page shows it. Removing access revokes the grant and every token issued from it.</p>"
        "<h1>Connected apps</h1><table><tr><th>Platform and account</th><th>App</th><th>Scopes</th><th></th></tr>"
        f"{rows or '<tr><td colspan=4>No app has been allowed yet.</td></tr>'}</table>"
    )
    return _page("Connected apps", body, wide=True)
