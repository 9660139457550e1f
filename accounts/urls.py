"""Sign-in and enrollment pages, outside /admin/ because nobody is verified yet when using them.

They keep django-two-factor-auth's URL names (`two_factor:login`, `two_factor:setup`,
`two_factor:qr`), which its own code redirects to.
"""

from django.urls import include, path
from two_factor.views import QRGeneratorView

from .views import EnrollView, SignInView

two_factor_patterns = (
    [
        path("login/", SignInView.as_view(), name="login"),
        path("two-factor/setup/", EnrollView.as_view(), name="setup"),
        path("two-factor/qrcode/", QRGeneratorView.as_view(), name="qr"),
    ],
    "two_factor",
)

urlpatterns = [path("account/", include(two_factor_patterns))]
