"""An organisation's default order for ambiguous dates: read by anyone of it, changed by admins."""

from __future__ import annotations

from domain.accounts.auth import issue_token
from tests.helpers import data_of, error_code, gql

READ = "{ organisationSettings { name dateOrder } }"
CHANGE = "mutation($order: DateOrder!) { updateOrganisationSettings(dateOrder: $order) { name dateOrder } }"


def test_the_default_is_day_first_and_an_admin_changes_it_for_their_organisation_only(client, token, other_token):
    assert data_of(gql(client, READ, token=token))["organisationSettings"] == {"name": "Spa One", "dateOrder": "DAY_FIRST"}

    changed = data_of(gql(client, CHANGE, {"order": "MONTH_FIRST"}, token=token))["updateOrganisationSettings"]

    assert changed == {"name": "Spa One", "dateOrder": "MONTH_FIRST"}
    assert data_of(gql(client, READ, token=token))["organisationSettings"]["dateOrder"] == "MONTH_FIRST"
    assert data_of(gql(client, READ, token=other_token))["organisationSettings"]["dateOrder"] == "DAY_FIRST"


def test_a_member_may_not_change_it(client, db, token):
    member = issue_token(db, organisation="Spa One", email="desk@spa-one.test", role="member").token
    assert error_code(gql(client, CHANGE, {"order": "MONTH_FIRST"}, token=member)) == "FORBIDDEN"
    assert data_of(gql(client, READ, token=token))["organisationSettings"]["dateOrder"] == "DAY_FIRST"
