"""Whether an UPSERT row could create a record is decided from what partial validation took.

Staging an UPSERT row records the record it creates when nothing matches (`create`) or the
problems that keep it from being one (`incomplete`): those of validating the row whole. The
stager now has RowValidator.validate_taken check again only the fields partial validation
read as blank. These properties run both ways on the same generated rows (required cells
left blank, 0/0/00, blank yes/no cells, full names with and without their parts, bad cells,
unmapped required fields, short rows) and compare the outcomes, and the staged documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.models import Import, ImportMode
from domain.options import DateOrder
from domain.pipeline.staging import Stager, staged
from domain.rules.column_validation import ColumnValidator
from domain.rules.types import FieldKind, FieldSpec, ImportTypeSpec, get_type
from domain.rules.validation import RowValidator
from tests.test_column_validation import (CLIENT_COLUMNS, EVERY_COLUMN, EVERY_KIND, HEAVY, VOUCHER_COLUMNS,
                                          WITH_IGNORED, cells, orders, usual, validator)

BLANKS = ["", "", " ", "'", "' "]
NO_DATE = ["0/0/00", "00/00/0000", "0000-00-00"]  # a date cell meaning no value


def upsert_cell(field: FieldSpec | None) -> st.SearchStrategy[str]:
    """A cell as an UPSERT file holds it: its field's common case, or blank (a date at times
    written as no date)."""
    if field is None:
        return cells
    blank = st.sampled_from(BLANKS + NO_DATE if field.kind is FieldKind.DATE else BLANKS)
    return st.one_of(usual(field), usual(field), blank)


def upsert_rows(spec: ImportTypeSpec, columns: Sequence[str | None]) -> st.SearchStrategy[list[list[str]]]:
    """Batches of rows, some with a nasty cell in place of one, some cut short."""
    row = st.tuples(*[upsert_cell(None if name is None else spec.field(name)) for name in columns]).map(list)
    spoilt = st.tuples(row, st.integers(0, len(columns) - 1), cells).map(
        lambda drawn: [*drawn[0][:drawn[1]], drawn[2], *drawn[0][drawn[1] + 1:]])
    short = st.tuples(row, st.integers(0, len(columns))).map(lambda drawn: drawn[0][:drawn[1]])
    return st.lists(st.one_of(row, row, spoilt, short), min_size=1, max_size=20)


def taken_rows(partial: RowValidator, batch: list[list[str]]) -> list[tuple[list[str], dict[str, Any]]]:
    """The rows of the batch partial validation takes (column-wise, as validation does), with their values."""
    return [(row, outcome.values) for row, outcome in zip(batch, ColumnValidator(partial).validate(batch), strict=True)
            if outcome.values is not None]


def assert_same_outcomes(spec: ImportTypeSpec, columns: Sequence[str | None], batch: list[list[str]], *,
                         order: DateOrder = DateOrder.DAY_FIRST, decimal_separator: str = ".") -> None:
    options: dict[str, Any] = {"order": order, "decimal_separator": decimal_separator}
    partial = validator(spec, columns, partial=True, **options)
    complete = validator(spec, columns, partial=False, **options)
    for row, values in taken_rows(partial, batch):
        assert repr(complete.validate_taken(row, values)) == repr(complete.validate(row))


@HEAVY
@given(data=st.data(), order=orders, separator=st.sampled_from([".", ","]))
def test_every_kind_of_field_decides_a_create_as_whole_row_validation(data, order, separator):
    batch = data.draw(upsert_rows(EVERY_KIND, WITH_IGNORED))
    assert_same_outcomes(EVERY_KIND, WITH_IGNORED, batch, order=order, decimal_separator=separator)


REQUIRED = [name for name in EVERY_COLUMN if EVERY_KIND.field(name).required]
OPTIONAL = [name for name in EVERY_COLUMN if name not in REQUIRED]


@HEAVY
@given(data=st.data(), others=st.lists(st.sampled_from(OPTIONAL), max_size=4, unique=True))
def test_a_mapping_of_some_fields_decides_a_create_as_whole_row_validation(data, others):
    mapped = data.draw(st.permutations([*REQUIRED, *others]))  # unmapped fields: blank, a yes/no's no
    assert_same_outcomes(EVERY_KIND, mapped, data.draw(upsert_rows(EVERY_KIND, mapped)))


@HEAVY
@given(data=st.data(), mapped=st.lists(st.sampled_from(EVERY_COLUMN), min_size=2, max_size=5, unique=True))
def test_a_mapping_without_required_fields_decides_a_create_as_whole_row_validation(data, mapped):
    assert_same_outcomes(EVERY_KIND, mapped, data.draw(upsert_rows(EVERY_KIND, mapped)))


@HEAVY
@given(data=st.data(), order=orders,
       columns=st.sampled_from([CLIENT_COLUMNS, CLIENT_COLUMNS[:-1], ["full_name", "email", "marketing_opt_in"],
                                ["full_name", "last_name", "email"], ["external_ref", "first_name", "email"]]))
def test_client_rows_and_their_name_rules_decide_a_create_as_whole_row_validation(data, order, columns):
    assert_same_outcomes(get_type("client"), columns, data.draw(upsert_rows(get_type("client"), columns)), order=order)


@HEAVY
@given(data=st.data(), order=orders)
def test_voucher_rows_and_their_rules_decide_a_create_as_whole_row_validation(data, order):
    batch = data.draw(upsert_rows(get_type("voucher"), VOUCHER_COLUMNS))
    assert_same_outcomes(get_type("voucher"), VOUCHER_COLUMNS, batch, order=order)


def upsert_import(columns: Sequence[str | None]) -> Import:
    headers = [f"Column {i}" for i in range(len(columns))]
    return Import(organisation_id=uuid.uuid4(), created_by_id=uuid.uuid4(), type="client",
                  mode=ImportMode.UPSERT.value, status="validating", filename="f.csv", stored_path="f.csv",
                  encoding="utf-8", delimiter=",", headers=headers,
                  mapping=[{"column": header, "field": name} for header, name in zip(headers, columns, strict=True)])


@HEAVY
@given(data=st.data(), columns=st.sampled_from([CLIENT_COLUMNS, [*CLIENT_COLUMNS[:5], None, *CLIENT_COLUMNS[5:-1]],
                                                ["full_name", "email", "phone", "marketing_opt_in"]]))
def test_an_upsert_row_stages_the_create_and_problems_whole_row_validation_gives(data, columns):
    spec = get_type("client")
    batch = data.draw(upsert_rows(spec, columns))
    partial = validator(spec, columns, partial=True, order=DateOrder.DAY_FIRST, decimal_separator=".")
    complete = validator(spec, columns, partial=False, order=DateOrder.DAY_FIRST, decimal_separator=".")
    stager = Stager(upsert_import(columns), spec, complete)
    for row, values in taken_rows(partial, batch):
        document = stager.document(row, values)
        problems = complete.validate(row).errors  # what the stager asked before
        assert document["create"] == (None if problems else staged(spec, values))
        assert document["incomplete"] == (problems or None)


def test_the_problems_of_rows_that_cannot_create_a_client_are_whole_row_validation_s():
    columns = ["first_name", "last_name", "email", "date_of_birth", "marketing_opt_in", "full_name"]
    rows = [["", "", "ada@example.com", "", "", ""],  # no name at all
            ["Ada", "", "'ada@example.com", "0/0/00", "", ""],  # no last name; a date meaning none
            ["", "", "ada@example.com", "", "yes", "Ada"],  # a full name of one word
            ["", "", "ada@example.com", "", "", "Lovelace, Ada"],  # creates
            ["", "Lovelace", "ada@example.com", "", "no", "Ada"]]  # creates: the last name has its cell
    assert_same_outcomes(get_type("client"), columns, rows)
    spec = get_type("client")
    complete = validator(spec, ["first_name", "last_name", "email", "date_of_birth"], partial=False,
                         order=DateOrder.DAY_FIRST, decimal_separator=".")
    partial = validator(spec, ["first_name", "last_name", "email", "date_of_birth"], partial=True,
                        order=DateOrder.DAY_FIRST, decimal_separator=".")
    row = ["", " ", "ada@example.com", "0/0/00"]
    [(_, values)] = taken_rows(partial, [row])
    assert [(e["field"], e["code"], e["message"]) for e in complete.validate_taken(row, values).errors] == [
        ("first_name", "REQUIRED", "First name is required"), ("last_name", "REQUIRED", "Last name is required")]
    assert complete.validate_taken(row, values).errors == complete.validate(row).errors


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_a_required_boolean_left_blank_keeps_a_row_from_creating_as_whole_row_validation(data):
    spec = ImportTypeSpec(name="required_yes_no", label="Required yes/no", model=EVERY_KIND.model,
                          unique_field="code", unique_column="email_key", match_keys=("code",),
                          fields=(FieldSpec("code", "Code", FieldKind.CODE, required=True, max_length=50),
                                  FieldSpec("agreed", "Agreed", FieldKind.BOOLEAN, required=True),
                                  FieldSpec("active", "Active", FieldKind.BOOLEAN)))
    columns = ["code", "agreed", "active"]
    assert_same_outcomes(spec, columns, data.draw(upsert_rows(spec, columns)))
