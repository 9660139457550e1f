"""An OAuth 2.0 client for one platform app, built from the platform's registry declaration.

Authlib does the protocol (authorization URL, PKCE S256, code exchange, refresh, RFC 7009
revocation); the declaration says how this platform wants it (scopes and their separator,
extra authorize parameters, client authentication, the name of the client id, GET token
requests, a User-Agent). Every URL goes through `origins.rewrite`, every call has a timeout,
and every failure is an `OAuthFailure` whose text holds no token, secret or code.
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings

from .errors import OAuthFailure, ensure_success, from_network
from .origins import rewrite

# Client authentications Authlib lacks: the app's id and secret as query parameters (token
# requests made with GET), and as form fields under the platform's own name for the id.
CREDENTIALS_IN_QUERY = "client_secret_query"
CREDENTIALS_IN_FORM_RENAMED = "client_secret_post_renamed"


@dataclass(frozen=True)
class AppCredentials:
    """The platform app a credential is connected through."""

    client_id: str
    client_secret: str = field(repr=False)


class PlatformClient:
    def __init__(self, declaration, app, *, redirect_uri):
        self.declaration = declaration
        self.app = app
        self.redirect_uri = redirect_uri

    def _session(self):
        declaration = self.declaration
        session = OAuth2Session(
            client_id=self.app.client_id,
            client_secret=self.app.client_secret,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method=self._auth_method(),
            revocation_endpoint_auth_method=self._auth_method(),
            code_challenge_method="S256" if declaration.pkce else None,
            default_timeout=settings.OAUTH_TIMEOUT_SECONDS,
        )
        session.headers["User-Agent"] = declaration.user_agent
        session.register_client_auth_method((CREDENTIALS_IN_QUERY, self._credentials_in_query))
        session.register_client_auth_method((CREDENTIALS_IN_FORM_RENAMED, self._credentials_in_form))
        return session

    def _auth_method(self):
        declaration = self.declaration
        if declaration.token_request_method == "GET":
            return CREDENTIALS_IN_QUERY
        if declaration.client_id_param != "client_id":
            return CREDENTIALS_IN_FORM_RENAMED
        return declaration.client_auth

    def _client_fields(self, auth):
        return [(self.declaration.client_id_param, auth.client_id), ("client_secret", auth.client_secret)]

    def _credentials_in_form(self, auth, method, uri, headers, body):
        return uri, headers, urlencode([*parse_qsl(body), *self._client_fields(auth)])

    def _credentials_in_query(self, auth, method, uri, headers, body):
        parts = urlsplit(uri)
        query = urlencode([*parse_qsl(parts.query), *self._client_fields(auth)])
        return urlunsplit(parts._replace(query=query)), headers, body

    def authorization_url(self, state, scopes=None):
        """(URL to send the customer's browser to, PKCE code verifier or None).

        `scopes` defaults to the declaration's (a link asks for those it was made with).
        """
        declaration = self.declaration
        verifier = generate_token(64) if declaration.pkce else None
        url, _ = self._session().create_authorization_url(
            rewrite(declaration.authorize_url),
            state=state,
            code_verifier=verifier,
            scope=declaration.scope_separator.join(scopes or declaration.scopes),
            **dict(declaration.authorize_params),
        )
        if declaration.client_id_param != "client_id":
            url = _rename_query_parameter(url, "client_id", declaration.client_id_param)
        return url, verifier

    def exchange_code(self, code, *, code_verifier=None):
        """The token response for an authorization code, as the platform sent it."""
        extra = {"code_verifier": code_verifier} if code_verifier else {}
        return self._token(
            lambda session, url: session.fetch_token(
                url, code=code, grant_type="authorization_code", method=self.declaration.token_request_method, **extra
            ),
            self.declaration.token_url,
        )

    def refresh(self, refresh_token):
        """The token response for a refresh; without a new refresh token, the one given is kept."""
        return self._token(
            lambda session, url: session.refresh_token(url, refresh_token=refresh_token),
            self.declaration.token_url,
        )

    def grant(self, grant_type, **params):
        """Another grant at the token endpoint, the app authenticating as for a code (Facebook's
        `fb_exchange_token`): the token answer."""
        return self._token(
            lambda session, url: session.fetch_token(
                url, grant_type=grant_type, method=self.declaration.token_request_method, **params
            ),
            self.declaration.token_url,
        )

    def get_json(self, url, *, token, params=None, headers=None, refused_ok=False):
        """A platform API call made with an access token (the identity lookups): its JSON answer.

        With `refused_ok`, a 403 (the grant lacks that scope) answers None instead of failing.
        """
        headers = {"User-Agent": self.declaration.user_agent, "Authorization": f"Bearer {token}", **(headers or {})}
        url = rewrite(url)
        try:
            response = requests.get(url, params=params, headers=headers, timeout=settings.OAUTH_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise from_network(exc, url) from None
        if refused_ok and response.status_code == 403:
            return None
        ensure_success(response)
        try:
            return response.json()
        except ValueError:
            raise OAuthFailure(f"{urlsplit(url).netloc} answered something other than JSON") from None

    def revoke(self, token, *, token_type_hint=None):
        if not self.declaration.revocation_url:
            raise OAuthFailure(f"{self.declaration.token_url} offers no revocation: disconnect clears it locally")
        self._call(
            lambda session, url: ensure_success(
                session.revoke_token(url, token=token, token_type_hint=token_type_hint)
            ),
            self.declaration.revocation_url,
        )

    def _token(self, call, url):
        """A token request's answer, as a plain dict."""
        return dict(self._call(call, url))

    def _call(self, call, url):
        session = self._session()
        # Authlib parses the body as a token; an error answer must become a readable reason first.
        session.register_compliance_hook("access_token_response", ensure_success)
        session.register_compliance_hook("refresh_token_response", ensure_success)
        url = rewrite(url)
        try:
            return call(session, url)
        except requests.RequestException as exc:
            raise from_network(exc, url) from None
        finally:
            session.close()


def _rename_query_parameter(url, old, new):
    parts = urlsplit(url)
    query = [(new if key == old else key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))
