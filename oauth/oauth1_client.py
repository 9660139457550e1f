"""An OAuth 1.0a client for one legacy platform app (X): request token, authorize, access token.

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

    def _call(self, url, **session_args):
        session = OAuth1Session(self.app.client_id, self.app.client_secret, **session_args)
        session.headers["User-Agent"] = self.user_agent
        url = rewrite(url)
        try:
            response = session.post(url, timeout=settings.OAUTH_TIMEOUT_SECONDS)
            ensure_success(response)
            answer = session.parse_response_token(response.status_code, response.text)
        except requests.RequestException as exc:
            raise from_network(exc, url) from None
        except (OAuthError, ValueError) as exc:
            raise OAuthFailure(f"the platform's answer was not an OAuth 1.0a token ({type(exc).__name__})") from None
        finally:
            session.close()
        if not answer.get("oauth_token") or not answer.get("oauth_token_secret"):
            raise OAuthFailure("the platform's answer carried no token")
        return dict(answer)
