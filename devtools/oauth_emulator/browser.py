"""What a person does in a browser at a consent page, done over HTTP: read the form, choose, submit."""

import http.client
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit


class ConsentPageError(Exception):
    """The consent page could not be answered: the authorize request was refused, or a choice is not offered."""


class _ConsentForm(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.hidden = {}
        self.accounts = []  # option values, in order
        self.scopes = []  # checkbox values, in order
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") == "checkbox" and attrs.get("name") == "scope":
            self.scopes.append(attrs["value"])
        elif tag == "option":
            self.accounts.append(attrs["value"])

    def handle_data(self, data):
        self.text.append(data)


def _http(method, url, form=None):
    """(status, Location, text) of one request, redirects not followed."""
    # http.client, not requests: urllib3 logs every request line at DEBUG, and an authorize URL
    # carries the flow's state, which must not reach the logs of the process under test.
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ConsentPageError(f"{url} is not an emulator URL")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        body = None if form is None else urlencode(form)
        headers = {} if form is None else {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def answer_consent(authorize_url, *, allow, account, scopes):
    """The Location the consent page's answer redirects to (not followed).

    `account`: None (the first), an index into the accounts offered, or an account's id;
    `scopes`: None (all asked) or the ones to leave ticked.
    """
    status, _, page = _http("GET", authorize_url)
    form = _ConsentForm()
    form.feed(page)
    if status != 200 or form.action is None:
        reason = " ".join(" ".join(form.text).split())
        raise ConsentPageError(f"HTTP {status} from the authorize URL: {reason}")
    if account is None:
        chosen = form.accounts[0]
    elif isinstance(account, int):
        chosen = form.accounts[account]
    elif account in form.accounts:
        chosen = account
    else:
        raise ConsentPageError(f"account {account!r} is not offered; the page offers {form.accounts}")
    ticked = form.scopes if scopes is None else list(scopes)
    missing = [scope for scope in ticked if scope not in form.scopes]
    if missing:
        raise ConsentPageError(f"scopes {missing} were not asked; the page asks {form.scopes}")
    fields = [*form.hidden.items(), ("account", chosen), *(("scope", scope) for scope in ticked)]
    fields.append(("decision", "allow" if allow else "deny"))
    status, location, text = _http("POST", urljoin(authorize_url, form.action), fields)
    if status != 302 or not location:
        raise ConsentPageError(f"HTTP {status} answering the consent page: {text[:300]}")
    return location
