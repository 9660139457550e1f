"""The credential models as other services see them: field names and BSON types."""

from datetime import UTC, datetime, timedelta

import pytest
from bson import Int64, ObjectId
from django.core.exceptions import ValidationError

from credentials.platforms import REGISTRY
from tests.factories import FACTORIES

UUID_LENGTH = 36


def stored(mongo_db, credential):
    return mongo_db[credential._meta.db_table].find_one({"_id": credential.pk})


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_round_trip_stores_contract_names_and_bson_types(mongo_db, key):
    expiry = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    credential = FACTORIES[key](token_expiry=expiry, access_token="tok", notes="")
    document = stored(mongo_db, credential)

    assert isinstance(document["_id"], ObjectId)
    assert len(document["credential_id"]) == UUID_LENGTH
    assert document["credential_id"] == document["credential_id"].lower()
    assert document["platform"] == key
    assert document["customer_id"] == credential.customer_id
    assert document["token_expiry"] == expiry.replace(tzinfo=None)  # a BSON date, in UTC
    assert document["scopes"] == ["scope.read", "scope.write"]
    assert document["is_active"] is False and document["is_authenticated"] is True
    assert isinstance(document["created_at"], datetime)
    assert isinstance(document["updated_at"], datetime)
    assert document["notes"] is None  # never "": an absent value is null
    counter = "upload_count" if key in ("youtube", "tiktok") else "post_count"
    assert isinstance(document[counter], Int64)
    assert set(document) >= {f.column for f in REGISTRY[key].model._meta.concrete_fields} - {"id"}

    reread = REGISTRY[key].model.objects.get(credential_id=credential.credential_id)
    assert reread.token_expiry == expiry
    assert reread.name == credential.name


def test_platform_is_always_the_models_own(db):
    credential = FACTORIES["reddit"](platform="youtube")
    assert credential.platform == "reddit"


def test_saving_a_credential_active_deactivates_the_tenants_others(db):
    make = FACTORIES["youtube"]
    first = make(customer_id="acme", is_active=True)
    other_tenant = make(customer_id="globex", is_active=True)
    second = make(customer_id="acme", is_active=True)
    model = REGISTRY["youtube"].model
    assert list(model.objects.filter(customer_id="acme", is_active=True)) == [second]
    first.refresh_from_db()
    other_tenant.refresh_from_db()
    assert first.is_active is False
    assert other_tenant.is_active is True


def test_other_platforms_are_not_touched_by_activation(db):
    reddit = FACTORIES["reddit"](customer_id="acme", is_active=True)
    FACTORIES["youtube"](customer_id="acme", is_active=True)
    reddit.refresh_from_db()
    assert reddit.is_active is True


def test_document_written_by_another_service_reads_with_missing_fields_as_none(mongo_db):
    mongo_db["tiktok_credentials"].insert_one(
        {
            "credential_id": "0b4d5c57-2f43-4c1a-9d7e-5b3b9b1f0a11",
            "name": "written elsewhere",
            "platform": "tiktok",
            "customer_id": "acme",
            "upload_count": 3,  # a BSON int, as other services write it
        }
    )
    credential = REGISTRY["tiktok"].model.objects.get(name="written elsewhere")
    assert credential.token_expiry is None
    assert credential.is_active is None
    assert credential.upload_count == 3
    assert str(credential) == "written elsewhere"


def assert_invalid(credential, field, fragment):
    with pytest.raises(ValidationError) as caught:
        credential.full_clean()
    messages = caught.value.message_dict
    assert field in messages, messages
    assert fragment in " ".join(messages[field])


def build(key, **fields):
    return FACTORIES[key].build(**fields)


def test_instagram_needs_a_connected_facebook_page(db):
    assert_invalid(build("instagram", facebook_page_id=None), "facebook_page_id", "Facebook Page")
    assert_invalid(build("instagram", instagram_user_id=""), "instagram_user_id", "Facebook Page")
    assert_invalid(build("instagram", account_type="personal"), "account_type", "not a valid choice")
    build("instagram").full_clean()


def test_twitter_oauth2_needs_client_pair(db):
    assert_invalid(build("twitter", client_secret=None), "client_secret", "OAuth 2.0")
    assert_invalid(build("twitter", client_id=None), "client_id", "OAuth 2.0")
    build("twitter", client_id=None, client_secret=None).full_clean()  # the default app


def test_twitter_oauth1a_needs_api_pair_and_token_secret_with_a_token(db):
    legacy = dict(auth_type="oauth1a", client_id=None, client_secret=None)
    assert_invalid(build("twitter", **legacy, api_key="k"), "api_secret", "OAuth 1.0a")
    assert_invalid(
        build("twitter", **legacy, api_key="k", api_secret="s", access_token="t"),
        "access_token_secret",
        "whenever an access token is set",
    )
    build("twitter", **legacy, api_key="k", api_secret="s").full_clean()
    build("twitter", **legacy).full_clean()  # the default legacy app
    build("twitter", **legacy, api_key="k", api_secret="s", access_token="t", access_token_secret="x").full_clean()


def test_linkedin_organization_posting_needs_organization_id(db):
    assert_invalid(build("linkedin", post_as="organization"), "organization_id", "organization")
    build("linkedin", post_as="organization", organization_id="org-1").full_clean()


def test_facebook_page_needs_page_id_and_page_token(db):
    page = build("facebook", account_type="page", page_id=None, page_access_token=None)
    assert_invalid(page, "page_id", "page credential")
    assert_invalid(page, "page_access_token", "page credential")
    build("facebook", account_type="page", page_id="p1", page_access_token="pt").full_clean()


@pytest.mark.parametrize("name", ["ab", "a" * 22, "has-dash", "r/", "white space"])
def test_reddit_rejects_bad_subreddit_names(db, name):
    assert_invalid(build("reddit", default_subreddit=name), "default_subreddit", "3 to 21 letters")


def test_reddit_removes_the_r_prefix(db):
    credential = build("reddit", default_subreddit="r/Django_Dev")
    credential.full_clean()
    assert credential.default_subreddit == "Django_Dev"


def test_tiktok_refresh_expiry_not_before_access_expiry(db):
    now = datetime.now(UTC)
    late = build("tiktok", token_expiry=now + timedelta(days=2), refresh_token_expiry=now + timedelta(days=1))
    assert_invalid(late, "refresh_token_expiry", "cannot be before the token expiry")
    build("tiktok", token_expiry=now, refresh_token_expiry=now + timedelta(days=180)).full_clean()


def test_credential_id_must_be_canonical_uuid(db):
    upper = build("youtube", credential_id="0B4D5C57-2F43-4C1A-9D7E-5B3B9B1F0A11")
    assert_invalid(upper, "credential_id", "canonical lowercase")
    assert_invalid(build("youtube", credential_id="not-a-uuid"), "credential_id", "must be a UUID")


def test_required_fields_are_named(db):
    assert_invalid(build("youtube", customer_id=""), "customer_id", "cannot be blank")
    assert_invalid(build("youtube", name=""), "name", "cannot be blank")


def test_every_platform_field_is_grouped_once():
    common = {f.name for f in REGISTRY["youtube"].model.__mro__[1]._meta.fields}  # noqa: F841
    for platform in REGISTRY.values():
        own = platform.own_fields
        assert len(own) == len(set(own)), platform.key
        model_fields = {f.name for f in platform.model._meta.concrete_fields}
        assert set(own) <= model_fields
