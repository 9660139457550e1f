from django.db import models

from ..fields import SecretField
from ..models import Credential, PostStats
from .base import OAuth2, Platform, TokenFacts


class LinkedInCredential(Credential, PostStats):
    platform_key = "linkedin"

    class PostAs(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"

    person_id = models.CharField(max_length=100, null=True, blank=True)
    profile_id = models.CharField(max_length=100, null=True, blank=True)
    organization_id = models.CharField(max_length=100, null=True, blank=True)
    post_as = models.CharField(max_length=20, choices=PostAs.choices, default=PostAs.PERSON, null=True, blank=True)
    client_id = models.CharField(max_length=200, null=True, blank=True)
    client_secret = SecretField()

    class Meta(Credential.Meta):
        db_table = "linkedin_credentials"
        verbose_name = "LinkedIn credential"

    def clean(self):
        super().clean()
        if self.post_as == self.PostAs.ORGANIZATION:
            self.require_fields(("organization_id",), "posting as an organization needs it.")


PLATFORM = Platform(
    key="linkedin",
    label="LinkedIn",
    model=LinkedInCredential,
    identity_fields=("person_id", "organization_id", "profile_id"),
    account_fields=("post_as",),
    app_fields=("client_id", "client_secret"),
    token_facts=TokenFacts(
        access_token_life="60 days",
        refresh_token="365 days, approved partners only; refreshing does not extend it",
        post_scopes=("w_member_social", "w_organization_social"),
    ),
    oauth=OAuth2(
        authorize_url="https://www.linkedin.com/oauth/v2/authorization",
        token_url="https://www.linkedin.com/oauth/v2/accessToken",
        scopes=("openid", "profile", "w_member_social", "w_organization_social", "rw_organization_admin"),
    ),
)
