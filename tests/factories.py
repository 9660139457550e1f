"""Valid credentials of every platform, to be adjusted per test with keyword overrides."""

import factory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from factory.django import DjangoModelFactory

from credentials.platforms import REGISTRY


class CredentialFactory(DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Credential {n}")
    customer_id = factory.Sequence(lambda n: f"cust-{n % 5:03d}")
    scopes = factory.LazyFunction(lambda: ["scope.read", "scope.write"])
    is_authenticated = True

    class Meta:
        abstract = True


class YouTubeCredentialFactory(CredentialFactory):
    channel_id = factory.Sequence(lambda n: f"UC{n:08d}")
    channel_name = factory.Sequence(lambda n: f"Channel {n}")

    class Meta:
        model = REGISTRY["youtube"].model


class InstagramCredentialFactory(CredentialFactory):
    instagram_user_id = factory.Sequence(lambda n: f"1784{n:08d}")
    instagram_username = factory.Sequence(lambda n: f"insta_{n}")
    facebook_page_id = factory.Sequence(lambda n: f"page{n}")
    account_type = "business"

    class Meta:
        model = REGISTRY["instagram"].model


class TikTokCredentialFactory(CredentialFactory):
    open_id = factory.Sequence(lambda n: f"open-{n}")
    username = factory.Sequence(lambda n: f"tok_{n}")

    class Meta:
        model = REGISTRY["tiktok"].model


class TwitterCredentialFactory(CredentialFactory):
    username = factory.Sequence(lambda n: f"tweeter_{n}")
    auth_type = "oauth2"
    client_id = factory.Sequence(lambda n: f"client-{n}")
    client_secret = "twitter-client-secret"

    class Meta:
        model = REGISTRY["twitter"].model


class LinkedInCredentialFactory(CredentialFactory):
    person_id = factory.Sequence(lambda n: f"person-{n}")
    post_as = "person"

    class Meta:
        model = REGISTRY["linkedin"].model


class FacebookCredentialFactory(CredentialFactory):
    user_id = factory.Sequence(lambda n: f"fbuser-{n}")
    account_type = "profile"

    class Meta:
        model = REGISTRY["facebook"].model


class RedditCredentialFactory(CredentialFactory):
    username = factory.Sequence(lambda n: f"redditor_{n}")
    default_subreddit = "python"

    class Meta:
        model = REGISTRY["reddit"].model


FACTORIES = {
    factory_class._meta.model.platform_key: factory_class for factory_class in CredentialFactory.__subclasses__()
}


class AuthenticatorFactory(DjangoModelFactory):
    """A staff user's enrolled authenticator app (a TOTP device), with a key the test knows."""

    name = "default"
    confirmed = True
    key = factory.LazyFunction(random_hex)

    class Meta:
        model = TOTPDevice


def authenticator_code(device, *, steps_ahead=0):
    """The code the user's authenticator app shows now (or that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_verified(client, user):
    """Leave a Django test `client` signed in as `user` with a verified second factor, as a real sign-in does."""
    device = user.totpdevice_set.first() or AuthenticatorFactory(user=user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
