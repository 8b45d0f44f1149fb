"""Column-wise validation never disagrees with row-by-row validation.

ColumnValidator checks a batch's cells a column at a time and hands every row with a cell it
does not take to RowValidator.validate. These properties run both on the same generated rows
(common cells, near misses and nasty ones: odd spaces, apostrophes, other scripts' digits,
full-width characters, 'İ', leap days, 31/02, 0/0/00, very long cells, formula starts,
signs) for a type with a field of every kind and for the real types with row rules, in every
date order, both decimal separators, full and partial (update) rows, and compare the
outcomes (values with their types and key order, problems with their messages and codes,
keys) and the apostrophes counted. The date-order pass, which remembers what each distinct
text says, is compared with reading every cell afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.rules.column_validation import ColumnValidator
from domain.rules.fast_checks import SLOW, trimmed
from domain.rules.date_columns import ColumnDates
from domain.rules.dates import Evidence, cell_evidence, plain_readings, read_cell
from domain.models import Client
from domain.options import DateOrder
from domain.rules.problems import ValueProblem
from domain.rules.types import FieldKind, FieldSpec, ImportTypeSpec, get_type
from domain.rules.validation import RowValidator

EVERY_KIND = ImportTypeSpec(
    name="every_kind",
    label="Every kind",
    model=Client,  # not written: only validated
    unique_field="code",
    unique_column="email_key",
    match_keys=("code", "email"),
    fields=(
        FieldSpec("code", "Code", FieldKind.CODE, required=True, max_length=50),
        FieldSpec("name", "Name", required=True, max_length=12),
        FieldSpec("notes", "Notes", max_length=200),
        FieldSpec("email", "Email", FieldKind.EMAIL, max_length=40),
        FieldSpec("phone", "Phone", FieldKind.PHONE, max_length=20),
        FieldSpec("born", "Born", FieldKind.DATE),
        FieldSpec("due", "Due", FieldKind.DATE, required=True),
        FieldSpec("active", "Active", FieldKind.BOOLEAN),
        FieldSpec("consent", "Consent", FieldKind.BOOLEAN, consent=True),
        FieldSpec("unit", "Unit", FieldKind.CHOICE, max_length=5, allowed=("each", "ml", "l", "kg", "İ")),
        FieldSpec("qty", "Quantity", FieldKind.INTEGER, max_length=6, minimum=0, maximum=1000),
        FieldSpec("rate", "Rate", FieldKind.DECIMAL, max_length=10, minimum=0, maximum=100),
        FieldSpec("price", "Price", FieldKind.MONEY, required=True, max_length=20, minimum=0, maximum=9_999_999_999),
        FieldSpec("barcode", "Barcode", FieldKind.BARCODE, max_length=20),
        FieldSpec("items", "Items", FieldKind.REFERENCES, max_length=50),
    ),
)

NASTY = ["", " ", "'", "' ", "''", "'0", "٣", "١٢", "１２", "İ", "ı", "ß", "=1+2", "+", "-", "@", "+1", "-1",
         "\u00a0", "\u200b", "\x1c", "a" * 250, "x" * 13, "Ada", "Lovelace, Ada", "Ada King Lovelace", "King, Jr.",
         "O'Neil", "null", "none", "N/A"]
DATES = ["1990-11-05", "05/11/1990", "5/11/1990", "13/05/1990", "05/13/1990", "12/12/2012", "29/02/2000",
         "29/02/1900", "2000-02-29", "1900-02-29", "2001-02-29", "31/02/1990", "30/02/2001", "2001-04-31",
         "0/0/00", "00/00/0000", "0000-00-00", "00.00.0000", "0001-01-01", "01/01/0001", "1/1/0001", "0999-01-01",
         "1000-01-01", "9999-12-31", "5.11.1990", "05-11-1990", "05/11-1990", "1990/11/5", "1990.11.05",
         "1990-11-5", "1990-1-05", "05/11/90", "90/11/05", "29/02/27", "5 Nov 1990", "Nov 5, 1990",
         "1990-11-05T14:30:00", "1990-11-05 00:00:00.000", "05/11/1990 25:00", "33182", "٢٠٢٠-٠١-٠١",
         "١٩٩٠-١١-٠٥", "05/١١/1990", "１９９０-１１-０５", "1990-13-01", "1990-00-10", "00/10/1990", "10/00/1990",
         "/  /", "--", "1990--11-05", "19901105"]
EMAILS = ["ada@example.com", "ADA@EXAMPLE.COM", "a@b.co", "a@b", "ada@example.test", "ada@example.local",
          "josé@example.com", "İ@example.com", "e\u0301@example.com", "a@xn--bcher-kva.de", "user@bücher.de",
          "a..b@c.com", ".a@b.com", "a@-b.com", "a" * 64 + "@example.com", "a" * 65 + "@example.com",
          "o'brien@example.ie", "'ada@example.com", "ada @example.com", "ada@example.com.", "١@example.com"]
PHONES = ["+44 20 7946 0000", "020 7946 0000", "(020) 7946-0000", "020.7946.0000", "1234", "12345", "1 2 3 4 5",
          "+1 555 0100 x 12", "555 0100 ext. 9", "020\u00a07946\u00a00000", "020\u20097946", "٠٢٠٧٩٤٦٠٠٠٠",
          "+++++", "12-34", "+44 (0) 20", "0", "=020 7946 0000", "+" + "1" * 30]
WORDS = ["yes", "no", "Y", "n", "TRUE", "False", "t", "F", "1", "0", "2", "-1", "yes!", "ye s", "Yes ", "İ",
         "subscribed", "Subscribed", "opted-in", "Opt_In", "NEVER_SUBSCRIBED", "non-subscribed", "cleaned",
         "pending", "maybe", "each", "EACH", "Each ", "ml", "ML", "l", "L", "kg", "kgs", "eachh", "i", "i̇"]
NUMBERS = ["12", "12.5", "12.50", "12.505", "12,50", "1,234.50", "1.234,50", "1 234,50", "1\u00a0234,50", "1,234",
           "£12", "12€", "$1,000", "€ 12", "12 £", "-5", "+5", "1e3", "20%", "1001", "100", "0", "00", "007",
           "9999999999.99", "10000000000", ".5", "5.", "١٢", "１２", "NaN", "Infinity", "0x10", "1_000", " 7 "]
CODES = ["SKU-1", "sku-1", "a/b", "A.B_C", "-x", "x-", "a b", "A" * 50, "A" * 51, "ß", "FACIAL60; SKU-123",
         "; ;", "a;", "5012345678900", "5012345678901", "12345670", "036000291452", "5012 3456 7890 0"]
CELLS = NASTY + DATES + EMAILS + PHONES + WORDS + NUMBERS + CODES

SPACES = ["", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2009", "\x1c", "\ufeff"]
texts = st.one_of(st.sampled_from(CELLS), st.text(max_size=12),
                  st.text(alphabet="0123456789/-.:T ", max_size=12))


def decorated(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Cells as files write them: odd spaces around, a leading apostrophe (or two)."""
    return st.builds(lambda before, quote, middle, after: before + quote + middle + after,
                     st.sampled_from(SPACES), st.sampled_from(["", "", "", "'", "' ", "''"]), text,
                     st.sampled_from(SPACES))


cells = st.one_of(st.sampled_from(CELLS), decorated(texts))


def plainly_decorated(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Cells with the spaces and apostrophes the common case takes."""
    return st.builds(lambda before, quote, middle, after: before + quote + middle + after,
                     st.sampled_from(["", "", " ", "\t"]), st.sampled_from(["", "", "", "'", "' "]), text,
                     st.sampled_from(["", "", " ", "\u00a0"]))
dates = st.dates(min_value=date(1000, 1, 1)).flatmap(lambda day: st.sampled_from([
    day.isoformat(), f"{day:%d/%m/%Y}", f"{day:%m/%d/%Y}", f"{day.day}.{day.month}.{day.year}", f"{day:%Y/%m/%d}",
    f"{day:%d-%m-%Y}"]))
any_case = st.sampled_from([str.lower, str.upper, str.title, str])
YES_NO = ["yes", "no", "Y", "n", "TRUE", "False", "t", "F", "1", "0"]
CONSENT = ["subscribed", "Opted-In", "opt_in", "NEVER_SUBSCRIBED", "non-subscribed", "cleaned", "Pending"]


def common(field: FieldSpec) -> st.SearchStrategy[str]:
    """Cells of the field's common case (most of them valid)."""
    kind = field.kind
    if kind is FieldKind.TEXT:
        return st.one_of(st.sampled_from(["Ada", "Lovelace", "Ada Lovelace", "Lovelace, Ada", "Zoë", "O'Neil"]),
                         st.text(min_size=1, max_size=14))
    if kind is FieldKind.EMAIL:
        return st.one_of(st.sampled_from(EMAILS[:7]),
                         st.from_regex(r"[a-zA-Z0-9._%+-]{1,12}@[a-z0-9-]{1,8}\.[a-z]{2,4}", fullmatch=True))
    if kind is FieldKind.PHONE:
        return st.one_of(st.sampled_from(PHONES[:8]), st.from_regex(r"\+?[0-9]{2,4}( [0-9]{3,4}){2}", fullmatch=True))
    if kind is FieldKind.DATE:
        return dates
    if kind is FieldKind.BOOLEAN:
        return st.sampled_from(YES_NO + CONSENT if field.consent else YES_NO)
    if kind is FieldKind.CHOICE:
        return st.tuples(st.sampled_from(field.allowed), any_case).map(lambda drawn: drawn[1](drawn[0]))
    if kind is FieldKind.INTEGER:
        return st.integers(field.minimum, field.maximum).map(str)
    if kind in (FieldKind.DECIMAL, FieldKind.MONEY):
        return st.decimals(field.minimum, field.maximum, places=2).map(str)
    if kind is FieldKind.CODE:
        return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,8}[A-Za-z0-9]", fullmatch=True)
    if kind is FieldKind.BARCODE:
        return st.sampled_from(["5012345678900", "12345670", "036000291452", "5012 3456 7890 0"])
    return st.sampled_from(["FACIAL60; SKU-123", "A", "A;B; c"])


def usual(field: FieldSpec) -> st.SearchStrategy[str]:
    """A cell of the field as files usually hold it: its common case, or blank if it may be."""
    cell = plainly_decorated(common(field))
    return cell if field.required else st.one_of(cell, st.just(""))


def rows_for(spec: ImportTypeSpec, columns: Sequence[str | None]) -> st.SearchStrategy[list[list[str]]]:
    """Batches of rows whose cells are mostly of their field's common case (a nasty cell in
    some), some short, some with cells beyond the header."""
    row = st.tuples(*[cells if name is None else usual(spec.field(name)) for name in columns])
    spoilt = st.tuples(row, st.integers(0, len(columns) + 1), cells, st.integers(0, 3)).map(_spoil)
    return st.lists(st.one_of(row.map(list), spoilt), min_size=1, max_size=20)


def _spoil(drawn: tuple[tuple[str, ...], int, str, int]) -> list[str]:
    """A row with one cell replaced (or, past its end, added), or cut short."""
    cells_, position, cell, how = drawn
    row = list(cells_)
    if how == 0:
        return row[:position]
    if position < len(row):
        row[position] = cell
    else:
        row.append(cell)
    return row


def validator(spec: ImportTypeSpec, columns: Sequence[str | None], *, partial: bool, order: DateOrder,
              decimal_separator: str) -> RowValidator:
    mapping = {index: name for index, name in enumerate(columns) if name is not None}
    dates = {item.name: order for item in spec.fields if item.kind is FieldKind.DATE}
    return RowValidator(spec, [f"Column {i}" for i in range(len(columns))], mapping, partial=partial,
                        date_orders=dates, decimal_separator=decimal_separator)


def assert_same_outcomes(spec: ImportTypeSpec, columns: Sequence[str | None], batches: list[list[list[str]]], *,
                         partial: bool, order: DateOrder, decimal_separator: str = ".") -> None:
    options = {"partial": partial, "order": order, "decimal_separator": decimal_separator}
    row_by_row = validator(spec, columns, **options)  # type: ignore[arg-type]
    column_wise = validator(spec, columns, **options)  # type: ignore[arg-type]
    batch_validator = ColumnValidator(column_wise)
    for batch in batches:  # several batches: what a column check remembers carries over
        expected = [repr(row_by_row.validate(row)) for row in batch]
        assert [repr(outcome) for outcome in batch_validator.validate(batch)] == expected
    assert column_wise.apostrophes == row_by_row.apostrophes


orders = st.sampled_from(list(DateOrder))
EVERY_COLUMN = [item.name for item in EVERY_KIND.fields]
WITH_IGNORED = [*EVERY_COLUMN[:5], None, *EVERY_COLUMN[5:]]  # an ignored column among them
HEAVY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=600, deadline=None)
@given(texts=st.lists(cells, max_size=30), order=orders, partial=st.booleans(), separator=st.sampled_from([".", ","]),
       name=st.sampled_from(EVERY_COLUMN))
def test_a_column_check_takes_a_cell_only_with_the_value_its_field_gives_it(texts, order, partial, separator, name):
    rows = validator(EVERY_KIND, EVERY_COLUMN, partial=partial, order=order, decimal_separator=separator)
    [(_, index, check)] = [entry for entry in rows.checks if entry[0] == name]
    trimmed_, _ = trimmed(texts)
    for text, value in zip(trimmed_, ColumnValidator(rows).checks[rows.checks.index((name, index, check))](trimmed_),
                           strict=True):
        if value is not SLOW:
            assert repr(value) == repr(check(text))


@HEAVY
@given(data=st.data(), order=orders, partial=st.booleans(), separator=st.sampled_from([".", ","]))
def test_every_kind_of_field_is_validated_column_wise_as_row_by_row(data, order, partial, separator):
    batches = data.draw(st.lists(rows_for(EVERY_KIND, WITH_IGNORED), min_size=1, max_size=3))
    assert_same_outcomes(EVERY_KIND, WITH_IGNORED, batches, partial=partial, order=order, decimal_separator=separator)


@HEAVY
@given(data=st.data(), partial=st.booleans(),
       mapped=st.lists(st.sampled_from(EVERY_COLUMN), min_size=4, max_size=4, unique=True))
def test_a_mapping_of_some_fields_is_validated_column_wise_as_row_by_row(data, partial, mapped):
    batches = data.draw(st.lists(rows_for(EVERY_KIND, mapped), min_size=1, max_size=2))
    assert_same_outcomes(EVERY_KIND, mapped, batches, partial=partial, order=DateOrder.DAY_FIRST)


CLIENT_COLUMNS = ["first_name", "last_name", "email", "phone", "date_of_birth", "marketing_opt_in", "notes",
                  "external_ref", "full_name"]


@HEAVY
@given(data=st.data(), order=orders, partial=st.booleans(), with_full_name=st.booleans())
def test_client_rows_and_their_name_rules_are_validated_column_wise_as_row_by_row(data, order, partial,
                                                                                  with_full_name):
    columns = CLIENT_COLUMNS if with_full_name else CLIENT_COLUMNS[:-1]
    batches = data.draw(st.lists(rows_for(get_type("client"), columns), min_size=1, max_size=2))
    assert_same_outcomes(get_type("client"), columns, batches, partial=partial, order=order)


VOUCHER_COLUMNS = ["code", "value", "currency", "service", "issued_on", "expires_on", "recipient_name",
                   "recipient_email", "notes"]


@HEAVY
@given(data=st.data(), order=orders, partial=st.booleans())
def test_voucher_rows_and_their_rules_are_validated_column_wise_as_row_by_row(data, order, partial):
    batches = data.draw(st.lists(rows_for(get_type("voucher"), VOUCHER_COLUMNS), min_size=1, max_size=2))
    assert_same_outcomes(get_type("voucher"), VOUCHER_COLUMNS, batches, partial=partial, order=order)


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_rows_of_a_type_missing_a_required_column_are_all_validated_row_by_row(data):
    columns = ["first_name", "email", "notes"]
    rows = data.draw(rows_for(get_type("client"), columns))
    assert_same_outcomes(get_type("client"), columns, [rows], partial=False, order=DateOrder.DAY_FIRST)


@given(text=st.one_of(st.sampled_from(DATES), st.text(alphabet="0123456789/-.", max_size=11),
                      st.from_regex(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}", fullmatch=True)))
def test_the_commonest_date_forms_are_read_as_read_cell_reads_them(text):
    readings = plain_readings(text)
    if readings is None:
        return
    cell = read_cell(text)
    assert cell is not None and not cell.short_year
    assert cell.readings == readings


def test_a_date_read_cell_refuses_is_never_a_plain_one():
    for text in ("0000-00-00", "00/00/0000", "0001-01-01", "1/1/0001", "٢٠٢٠-٠١-٠١", "1990-11-05T14:30"):
        assert plain_readings(text) is None
    try:
        read_cell("1990/11-05")
    except ValueProblem:
        assert plain_readings("1990/11-05") is None


def counted_afresh(column: str, cells: list[tuple[int, str]], today: date) -> ColumnDates:
    """What the date pass counted before it remembered readings: read_cell on every cell."""
    dates = ColumnDates(column, today)
    for row_number, text in cells:
        try:
            cell = read_cell(text, today=today) if text else None
        except ValueProblem:
            continue
        if not text:
            continue
        if cell is None:
            dates.no_dates += 1
            dates.first_no_date = dates.first_no_date or text
            continue
        dates.short_years += cell.short_year
        kind = cell_evidence(cell)
        if kind is Evidence.AMBIGUOUS:
            dates.ambiguous += 1
            dates.first_ambiguous = dates.first_ambiguous or (row_number, text)
        elif kind in (Evidence.DAY_FIRST, Evidence.MONTH_FIRST):
            order = DateOrder.DAY_FIRST if kind is Evidence.DAY_FIRST else DateOrder.MONTH_FIRST
            dates.proofs[order] += 1
            if len(dates.proof_rows[order]) < 10:
                dates.proof_rows[order].append((row_number, text))
    return dates


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.one_of(dates, st.sampled_from(DATES), cells), max_size=60), chosen=st.none() | orders,
       default=orders)
def test_the_date_pass_decides_each_column_as_reading_every_cell_afresh_does(texts, chosen, default):
    today = date(2026, 12, 1)
    cells_ = list(enumerate(trimmed(texts)[0], start=2))
    batched = ColumnDates("Born", today)
    for start in range(0, len(cells_), 7):  # batches, and texts seen before
        batched.add_all(cells_[start:start + 7])
    afresh = counted_afresh("Born", cells_, today)
    for counted in ("proofs", "proof_rows", "ambiguous", "first_ambiguous", "short_years", "no_dates", "first_no_date"):
        assert getattr(batched, counted) == getattr(afresh, counted)
    assert batched.decide(chosen=chosen, default=default) == afresh.decide(chosen=chosen, default=default)
