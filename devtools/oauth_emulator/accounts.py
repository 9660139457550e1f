"""The fake people who sign in at the emulated platforms: two per platform, fixed, as data."""

import copy

GOOGLE = [
    {
        "id": "UCemulatorChannel000001",
        "title": "Emulated Channel One",
        "description": "The first emulated YouTube channel.",
        "customUrl": "@emulatedchannelone",
    },
    {
        "id": "UCemulatorChannel000002",
        "title": "Emulated Channel Two",
        "description": "The second emulated YouTube channel.",
        "customUrl": "@emulatedchanneltwo",
    },
]

# Facebook users, and the Pages they manage; Instagram apps sign in as these same users and
# reach the Instagram business accounts through the Pages.
FACEBOOK = [
    {
        "id": "100000000000001",
        "name": "Emulated Person One",
        "pages": [
            {
                "id": "200000000000001",
                "name": "Emulated Page One",
                "category": "Media/news company",
                "instagram_business_account": {"id": "17841400000000001", "username": "emulated_page_one"},
            },
            {"id": "200000000000002", "name": "Emulated Page Two", "category": "Local business"},
        ],
    },
    {
        "id": "100000000000002",
        "name": "Emulated Person Two",
        "pages": [
            {
                "id": "200000000000003",
                "name": "Emulated Page Three",
                "category": "Brand",
                "instagram_business_account": {"id": "17841400000000003", "username": "emulated_page_three"},
            },
        ],
    },
]

TIKTOK = [
    {
        "open_id": "emulator-open-id-0001",
        "union_id": "emulator-union-id-0001",
        "username": "emulated.creator.one",
        "display_name": "Emulated Creator One",
        "avatar_url": "https://example.invalid/avatars/creator-one.jpg",
    },
    {
        "open_id": "emulator-open-id-0002",
        "union_id": "emulator-union-id-0002",
        "username": "emulated.creator.two",
        "display_name": "Emulated Creator Two",
        "avatar_url": "https://example.invalid/avatars/creator-two.jpg",
    },
]

# Both OAuth 2.0 and OAuth 1.0a (user_id, screen_name) sign in as these.
TWITTER = [
    {"id": "1500000000000000001", "username": "emulated_one", "name": "Emulated Poster One"},
    {"id": "1500000000000000002", "username": "emulated_two", "name": "Emulated Poster Two"},
]

LINKEDIN = [
    {
        "sub": "emuLinkedInMember1",
        "name": "Emulated Member One",
        "given_name": "Emulated",
        "family_name": "Member One",
        "email": "member.one@emulator.invalid",
        "organizations": [
            {"id": "90000001", "name": "Emulated Company One", "vanityName": "emulated-company-one"},
            {"id": "90000002", "name": "Emulated Company Two", "vanityName": "emulated-company-two"},
        ],
    },
    {
        "sub": "emuLinkedInMember2",
        "name": "Emulated Member Two",
        "given_name": "Emulated",
        "family_name": "Member Two",
        "email": "member.two@emulator.invalid",
        "organizations": [],
    },
]

REDDIT = [
    {"id": "emu0001", "name": "emulated_redditor_one"},
    {"id": "emu0002", "name": "emulated_redditor_two"},
]

ACCOUNTS = {
    "youtube": GOOGLE,
    "facebook": FACEBOOK,
    "instagram": FACEBOOK,
    "tiktok": TIKTOK,
    "twitter": TWITTER,
    "linkedin": LINKEDIN,
    "reddit": REDDIT,
}


def accounts(platform_key):
    """A copy of the platform's fake accounts, first (the consent page's default) first."""
    return copy.deepcopy(ACCOUNTS[platform_key])
