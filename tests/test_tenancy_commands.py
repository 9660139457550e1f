"""`grant_tenants` as an operator uses it: what it grants and revokes, and what it says."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tenancy.models import TenantAccess
from tests.factories import FACTORIES


def grant_tenants(*args):
    """(stdout lines, stderr lines) of one run that succeeded."""
    out, err = io.StringIO(), io.StringIO()
    call_command("grant_tenants", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue().splitlines()


def test_granting_a_tenant_no_credential_has_warns_and_grants_it(staff_user):
    FACTORIES["reddit"](customer_id="initech")
    out, err = grant_tenants("scoped", "initech", "acmee", "hooli")
    assert err == [
        "Warning: no credential has the tenant ids acmee, hooli yet; granted all the same "
        "(check the spelling if it should have)."
    ]
    assert out == ["Granted acmee, hooli, initech. scoped now has 5 tenant(s): acme, acmee, globex, hooli, initech."]
    assert TenantAccess.objects.get(user=staff_user).customer_ids == ["acme", "acmee", "globex", "hooli", "initech"]


def test_granting_tenants_that_credentials_name_says_nothing_more(staff_user):
    FACTORIES["youtube"](customer_id="initech")
    FACTORIES["tiktok"](customer_id="hooli")
    assert grant_tenants("scoped", "initech", "hooli") == (
        ["Granted hooli, initech. scoped now has 4 tenant(s): acme, globex, hooli, initech."],
        [],
    )


def test_revoking_the_last_tenants_says_so_in_a_sentence(staff_user):
    out, err = grant_tenants("scoped", "acme", "globex", "--revoke")
    assert out == ["Revoked acme, globex. scoped now has no tenants granted."]
    assert err == []
    assert TenantAccess.objects.get(user=staff_user).customer_ids == []


def test_revoking_a_tenant_never_granted_notes_it(staff_user):
    out, err = grant_tenants("scoped", "acme", "umbrella", "--revoke")
    assert err == ["Note: scoped had no grant of umbrella to revoke."]
    assert out == ["Revoked acme, umbrella. scoped now has 1 tenant(s): globex."]


@pytest.mark.django_db
def test_many_tenants_are_counted_not_listed():
    User.objects.create_user("wide", is_staff=True)
    tenants = [f"t{n:02d}" for n in range(21)]
    for tenant in tenants:
        FACTORIES["linkedin"](customer_id=tenant)
    assert grant_tenants("wide", *tenants) == ([f"Granted {', '.join(tenants)}. wide now has 21 tenants."], [])


def test_a_tenant_id_with_a_blank_inside_is_refused_and_nothing_granted(staff_user):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"'acme corp': A tenant id cannot hold spaces or control characters"):
        grant_tenants("scoped", "hooli", "acme corp")
    assert TenantAccess.objects.get(user=staff_user).customer_ids == ["acme", "globex"]
