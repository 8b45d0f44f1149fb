"""An import's statuses and the moves between them: every pair is either allowed or refused
with a message that says what to do; through the API a refused mutation changes nothing."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import func, select

from domain.errors import DomainError, InvalidTransition
from domain.models import Client
from domain.status import ALLOWED, SETTLED, WORKING, ImportStatus, can_move, check_move
from tests.helpers import (
    CLIENT_HEADER, IMPORT_FIELDS, client_csv, data_of, error_code, gql, rollback, settle, start, upload,
)

S = ImportStatus
ALL_PAIRS = list(itertools.product(ImportStatus, repeat=2))
ALLOWED_PAIRS = [(current, target) for current, target in ALL_PAIRS if target in ALLOWED[current]]
FORBIDDEN_PAIRS = [(current, target) for current, target in ALL_PAIRS if target not in ALLOWED[current]]

# What the design allows, written out independently of ALLOWED so a change to either shows.
DESIGNED_MOVES = {
    (S.VALIDATING, S.VALIDATED), (S.VALIDATING, S.ERRORED),
    (S.VALIDATED, S.VALIDATING), (S.VALIDATED, S.IMPORTING),
    (S.IMPORTING, S.IMPORTED), (S.IMPORTING, S.ROLLING_BACK),
    (S.IMPORTED, S.ROLLING_BACK),
    (S.ROLLING_BACK, S.ROLLED_BACK),
    (S.ERRORED, S.VALIDATING),
}

# What the refusal tells a person to do, by the status the import is in.
WHAT_TO_DO = {
    S.VALIDATING: "wait until validation finishes",
    S.VALIDATED: "start it, or change its mapping",
    S.IMPORTING: "wait until it is imported, or roll it back",
    S.IMPORTED: "roll it back if it was a mistake",
    S.ROLLING_BACK: "wait until the rollback finishes",
    S.ROLLED_BACK: "upload the file again to import it anew",
    S.ERRORED: "fix the mapping with updateImportMapping, or upload a corrected file",
}

# What the refused move would have done, as the message words it.
WHAT_WAS_ASKED = {
    S.VALIDATING: "revalidate it",
    S.IMPORTING: "start it",
    S.ROLLING_BACK: "roll it back",
    S.VALIDATED: "mark it validated",
    S.IMPORTED: "mark it imported",
    S.ROLLED_BACK: "mark it rolled back",
    S.ERRORED: "mark it errored",
}


def pair_id(pair: tuple[ImportStatus, ImportStatus]) -> str:
    return f"{pair[0].name}->{pair[1].name}"


# The state machine ---------------------------------------------------------------------------


def test_the_pairs_cover_every_combination_of_statuses_once():
    assert len(ALL_PAIRS) == len(ImportStatus) ** 2 == 49
    assert len(ALLOWED_PAIRS) + len(FORBIDDEN_PAIRS) == len(ALL_PAIRS)
    assert set(ALLOWED_PAIRS).isdisjoint(FORBIDDEN_PAIRS)


def test_the_allowed_moves_are_exactly_those_of_the_design():
    assert set(ALLOWED) == set(ImportStatus)
    assert set(ALLOWED_PAIRS) == DESIGNED_MOVES


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS, ids=[pair_id(p) for p in ALLOWED_PAIRS])
def test_an_allowed_move_is_accepted(current, target):
    assert can_move(current, target) is True
    assert check_move(current, target) is None


@pytest.mark.parametrize(("current", "target"), FORBIDDEN_PAIRS, ids=[pair_id(p) for p in FORBIDDEN_PAIRS])
def test_a_forbidden_move_is_refused_with_both_statuses_and_what_to_do(current, target):
    assert can_move(current, target) is False
    with pytest.raises(InvalidTransition) as caught:
        check_move(current, target)

    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code == "INVALID_TRANSITION"
    assert error.from_status == current.value
    assert error.to_status == target.value
    assert error.message == str(error)
    assert error.message == (
        f"Cannot {WHAT_WAS_ASKED[target]}: the import is {current.value.replace('_', ' ')}; {WHAT_TO_DO[current]}."
    )


def test_a_refusal_reads_as_plain_words_without_internal_names():
    with pytest.raises(InvalidTransition) as caught:
        check_move(S.ROLLED_BACK, S.ROLLING_BACK)
    assert caught.value.message == (
        "Cannot roll it back: the import is rolled back; upload the file again to import it anew."
    )
    assert "_" not in caught.value.message


@pytest.mark.parametrize("status", list(ImportStatus), ids=lambda s: s.name)
def test_no_status_moves_to_itself(status):
    assert not can_move(status, status)


def test_a_rolled_back_import_can_go_nowhere():
    assert ALLOWED[S.ROLLED_BACK] == frozenset()


def test_the_happy_path_from_upload_to_rollback_is_allowed_step_by_step():
    path = [S.VALIDATING, S.VALIDATED, S.IMPORTING, S.IMPORTED, S.ROLLING_BACK, S.ROLLED_BACK]
    for current, target in itertools.pairwise(path):
        check_move(current, target)


def test_an_errored_import_can_be_revalidated_and_then_started():
    for current, target in [(S.VALIDATING, S.ERRORED), (S.ERRORED, S.VALIDATING), (S.VALIDATING, S.VALIDATED),
                            (S.VALIDATED, S.IMPORTING)]:
        check_move(current, target)


def test_the_statuses_are_exactly_the_seven_of_the_contract():
    assert [status.name for status in ImportStatus] == [
        "VALIDATING", "VALIDATED", "IMPORTING", "IMPORTED", "ROLLING_BACK", "ROLLED_BACK", "ERRORED"]


def test_every_status_is_either_working_or_settled():
    assert WORKING | SETTLED == set(ImportStatus)
    assert len(WORKING) + len(SETTLED) == len(ImportStatus)


def test_a_settled_status_other_than_the_end_waits_for_a_person_to_act():
    for status in SETTLED - {S.ROLLED_BACK}:
        assert ALLOWED[status] <= {S.VALIDATING, S.IMPORTING, S.ROLLING_BACK}, status


# Through the API -----------------------------------------------------------------------------

GET_IMPORT = f"query($id: ID!) {{ import(id: $id) {{ {IMPORT_FIELDS} }} }}"
UPDATE_MAPPING = f"""mutation($id: ID!, $m: [MappingInput!]!) {{
    updateImportMapping(id: $id, mapping: $m) {{ {IMPORT_FIELDS} }} }}"""
SAME_MAPPING = [{"column": name, "field": name} for name in CLIENT_HEADER.strip().split(",")]


def state_of(client, token, import_id) -> dict:
    return data_of(gql(client, GET_IMPORT, {"id": import_id}, token=token))["import"]


def count_clients(db) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(Client)).one()


def validated_import(client, token, rows: int = 3) -> str:
    created = data_of(upload(client, client_csv(rows), token=token))["createImport"]
    assert settle(client, token, created["id"])["status"] == "VALIDATED"
    return created["id"]


def imported_import(client, token, rows: int = 3) -> str:
    import_id = validated_import(client, token, rows)
    data_of(start(client, token, import_id))
    assert settle(client, token, import_id)["status"] == "IMPORTED"
    return import_id


def assert_refused(result: dict, *, from_status: str, to_status: str, what_to_do: str) -> None:
    assert error_code(result) == "INVALID_TRANSITION"
    error = result["errors"][0]
    assert error["extensions"]["fromStatus"] == from_status
    assert error["extensions"]["toStatus"] == to_status
    assert what_to_do in error["message"]
    assert not result.get("data")


def test_starting_an_import_twice_is_refused_the_second_time_and_changes_nothing(client, token, db):
    import_id = imported_import(client, token)
    before = state_of(client, token, import_id)

    refused = start(client, token, import_id)

    assert_refused(refused, from_status="IMPORTED", to_status="IMPORTING",
                   what_to_do="roll it back if it was a mistake")
    assert refused["errors"][0]["message"].startswith("Cannot start it: the import is imported")
    assert state_of(client, token, import_id) == before
    assert before["importedRows"] == 3
    assert count_clients(db) == 3


def test_rolling_back_a_validated_import_is_refused_and_changes_nothing(client, token, db):
    import_id = validated_import(client, token)
    before = state_of(client, token, import_id)

    refused = rollback(client, token, import_id)

    assert_refused(refused, from_status="VALIDATED", to_status="ROLLING_BACK",
                   what_to_do="start it, or change its mapping")
    assert state_of(client, token, import_id) == before
    assert (before["status"], before["totalRows"], before["failedValidationRows"]) == ("VALIDATED", 3, 0)
    assert count_clients(db) == 0
    # It can still be started afterwards: the refusal left it as it was.
    data_of(start(client, token, import_id))
    assert settle(client, token, import_id)["importedRows"] == 3


def test_changing_the_mapping_of_an_imported_import_is_refused_and_changes_nothing(client, token, db):
    import_id = imported_import(client, token)
    before = state_of(client, token, import_id)

    refused = gql(client, UPDATE_MAPPING, {"id": import_id, "m": SAME_MAPPING}, token=token)

    assert_refused(refused, from_status="IMPORTED", to_status="VALIDATING",
                   what_to_do="roll it back if it was a mistake")
    after = state_of(client, token, import_id)
    assert after == before
    assert (after["status"], after["totalRows"], after["importedRows"], after["progress"]) == ("IMPORTED", 3, 3, 100)
    assert count_clients(db) == 3


def test_a_rolled_back_import_can_be_neither_rolled_back_again_nor_restarted_nor_remapped(client, token, db):
    import_id = imported_import(client, token)
    data_of(rollback(client, token, import_id))
    assert settle(client, token, import_id)["status"] == "ROLLED_BACK"
    before = state_of(client, token, import_id)
    hint = "upload the file again to import it anew"

    assert_refused(rollback(client, token, import_id), from_status="ROLLED_BACK", to_status="ROLLING_BACK",
                   what_to_do=hint)
    assert_refused(start(client, token, import_id), from_status="ROLLED_BACK", to_status="IMPORTING",
                   what_to_do=hint)
    assert_refused(gql(client, UPDATE_MAPPING, {"id": import_id, "m": SAME_MAPPING}, token=token),
                   from_status="ROLLED_BACK", to_status="VALIDATING", what_to_do=hint)

    assert state_of(client, token, import_id) == before
    assert before["rolledBackRows"] == 3
    assert count_clients(db) == 0


def test_an_allowed_move_through_the_api_still_works_after_a_refusal(client, token):
    import_id = validated_import(client, token)
    assert error_code(rollback(client, token, import_id)) == "INVALID_TRANSITION"

    updated = data_of(gql(client, UPDATE_MAPPING, {"id": import_id, "m": SAME_MAPPING}, token=token))
    assert updated["updateImportMapping"]["status"] == "VALIDATING"
    assert settle(client, token, import_id)["status"] == "VALIDATED"
