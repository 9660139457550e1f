"""An OAuth 1.0a client for one legacy platform app (X): request token, authorize, access token,
and the signed identity and revocation calls.

Authlib signs every request (HMAC-SHA1); as with OAuth 2.0, every URL goes through
`origins.rewrite`, every call has a timeout, and a failure is an `OAuthFailure`.
"""

from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth1Session
from django.conf import settings

from .errors import OAuthFailure, ensure_success, from_network
from .origins import rewrite


class OAuth1Client:
    def __init__(self, declaration, app, *, user_agent):
        self.declaration = declaration
        self.app = app
        self.user_agent = user_agent

    @classmethod
    def of(cls, platform, app):
        """The client of `platform`'s OAuth 1.0a declaration for `app`, sending the platform's User-Agent."""
        return cls(platform.oauth1, app, user_agent=platform.oauth.user_agent)

    def request_token(self, callback_uri):
        """(oauth_token, oauth_token_secret) to send the customer to the platform with."""
        answer = self._call(self.declaration.request_token_url, redirect_uri=callback_uri)
        return answer["oauth_token"], answer["oauth_token_secret"]

    def authorization_url(self, request_token):
        return f"{rewrite(self.declaration.authorize_url)}?{urlencode({'oauth_token': request_token})}"

    def access_token(self, request_token, request_token_secret, verifier):
        """The access-token answer: oauth_token, oauth_token_secret and the platform's identity fields."""
        return self._call(
            self.declaration.access_token_url,
            token=request_token,
            token_secret=request_token_secret,
            verifier=verifier,
        )

    def verify(self, token, token_secret):
        """The platform's answer on who the access token speaks for (its identity call, signed)."""

        def json_of(session, response):
            try:
                return response.json()
            except ValueError:
                raise OAuthFailure("the platform's identity answer was not JSON") from None

        return self._send("GET", self.declaration.verify_url, json_of, token=token, token_secret=token_secret)

    def revoke(self, token, token_secret):
        """Invalidate the access token at the platform: the customer's grant to the app ends."""
        self._send("POST", self.declaration.revocation_url, None, token=token, token_secret=token_secret)

    def _call(self, url, **session_args):
        return self._send("POST", url, token_of, **session_args)

    def _send(self, method, url, read, **session_args):
        """One signed request (HMAC-SHA1) with a timeout: `read(session, response)` of a success, or
        an OAuthFailure."""
        session = OAuth1Session(self.app.client_id, self.app.client_secret, **session_args)
        session.headers["User-Agent"] = self.user_agent
        url = rewrite(url)
        try:
            response = session.request(method, url, timeout=settings.OAUTH_TIMEOUT_SECONDS)
            ensure_success(response)
            return read(session, response) if read else None
        except requests.RequestException as exc:
            raise from_network(exc, url) from None
        finally:
            session.close()


def token_of(session, response):
    """The token in an OAuth 1.0a token endpoint's answer."""
    try:
        answer = session.parse_response_token(response.status_code, response.text)
    except (OAuthError, ValueError) as exc:
        raise OAuthFailure(f"the platform's answer was not an OAuth 1.0a token ({type(exc).__name__})") from None
    if not answer.get("oauth_token") or not answer.get("oauth_token_secret"):
        raise OAuthFailure("the platform's answer carried no token")
    return dict(answer)
