"""Date cells as exports write them, and each date column's order decided from its cells.
Pure tests: domain.rules.dates, domain.rules.date_columns, merge_notices and RowValidator's date check."""

from __future__ import annotations

from datetime import date

import pytest

from domain.rules.date_columns import DATE_NOTICES, ColumnDates, decide_date_order, orders_from_notices
from domain.rules.dates import Evidence, evidence, read_date
from domain.rules.fields import parse_date
from domain.notices import Control, Notice, NoticeCode, merge_notices
from domain.options import DateOrder
from domain.rules.problems import RowProblemCode, ValueProblem
from domain.rules.types import get_type
from domain.rules.validation import RowValidator

TODAY = date(2026, 12, 1)
DAY, MONTH, YEAR = DateOrder.DAY_FIRST, DateOrder.MONTH_FIRST, DateOrder.YEAR_FIRST


def refusal(text: str, order: DateOrder = DAY) -> ValueProblem:
    with pytest.raises(ValueProblem) as caught:
        read_date(text, order, today=TODAY)
    return caught.value


# Forms -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "1990-11-05", "1990-11-05T00:00:00Z", "1990-11-05 00:00:00", "1990-11-05T14:30:00+02:00",
        "1990-11-05T00:00:00.0000000", "1990-11-05 14:30:15.123", "1990-11-05T14:30", "1990-11-05T14:30:00+0200",
        "1990/11/05", "1990.11.05", "1990-11-5",
        "5 Nov 1990", "5 November 1990", "05-Nov-1990", "5-Nov-90", "5th November 1990", "5th of November 1990",
        "Nov 5, 1990", "November 5 1990", "Nov. 5, 1990", "Monday, November 5, 1990", "Mon 5 Nov 1990",
        "5 NOV 1990", "nov 5, 1990",
    ],
)
def test_dates_whose_form_says_which_part_is_the_day_read_the_same_in_every_order(cell):
    for order in DateOrder:
        assert read_date(cell, order, today=TODAY) == date(1990, 11, 5)
    assert evidence(cell) is Evidence.NONE


def test_the_time_of_a_date_time_is_dropped_and_the_date_kept_as_written_whatever_its_zone():
    assert read_date("1990-11-05T23:30:00-05:00", DAY) == date(1990, 11, 5)  # 6 November in UTC
    assert read_date("1990-11-05T00:30:00+14:00", DAY) == date(1990, 11, 5)  # 4 November in UTC


@pytest.mark.parametrize(
    ("cell", "day_first", "month_first"),
    [
        ("05/11/1990", date(1990, 11, 5), date(1990, 5, 11)),
        ("5/11/1990", date(1990, 11, 5), date(1990, 5, 11)),
        ("05.11.1990", date(1990, 11, 5), date(1990, 5, 11)),
        ("05-11-1990", date(1990, 11, 5), date(1990, 5, 11)),
        ("05/11/1990 00:00", date(1990, 11, 5), date(1990, 5, 11)),
        ("5/11/1990 2:30 PM", date(1990, 11, 5), date(1990, 5, 11)),
        ("05/11/1990 14:30:00", date(1990, 11, 5), date(1990, 5, 11)),
        ("05/11/90", date(1990, 11, 5), date(1990, 5, 11)),
    ],
)
def test_a_date_with_its_year_last_is_read_in_the_columns_order(cell, day_first, month_first):
    assert read_date(cell, DAY, today=TODAY) == day_first
    assert read_date(cell, MONTH, today=TODAY) == month_first


def test_a_date_that_proves_its_order_is_read_so_even_in_a_year_first_column():
    assert read_date("13/05/1990", YEAR) == date(1990, 5, 13)
    assert read_date("05/13/1990", YEAR) == date(1990, 5, 13)
    assert read_date("05/05/1990", YEAR) == date(1990, 5, 5)


def test_all_two_digit_dates_are_year_first_in_a_year_first_column_or_when_the_first_part_is_over_31():
    assert read_date("05/11/08", YEAR, today=TODAY) == date(2005, 11, 8)
    assert read_date("90/11/05", DAY, today=TODAY) == date(1990, 11, 5)
    assert read_date("90-11-05", MONTH, today=TODAY) == date(1990, 11, 5)


def test_a_dot_separated_german_date_is_day_first_by_default():
    assert parse_date("24.12.1985") == date(1985, 12, 24)
    assert parse_date("1.2.1985") == date(1985, 2, 1)


# Two-digit years -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "today", "expected"),
    [
        ("05/11/26", date(2026, 12, 1), date(2026, 11, 5)),  # this year's two digits: this year
        ("05/11/27", date(2026, 12, 1), date(1927, 11, 5)),  # next year's: a century ago
        ("05/11/00", date(2026, 12, 1), date(2000, 11, 5)),
        ("05/11/99", date(2026, 12, 1), date(1999, 11, 5)),
        ("05/11/27", date(2027, 1, 1), date(2027, 11, 5)),  # the window slides with the years
        ("5-Nov-40", date(2026, 12, 1), date(1940, 11, 5)),
        ("29/02/00", date(2026, 12, 1), date(2000, 2, 29)),  # 2000 is a leap year
    ],
)
def test_a_two_digit_year_is_the_latest_year_ending_so_not_after_this_year(cell, today, expected):
    assert read_date(cell, DAY, today=today) == expected


def test_a_two_digit_year_of_a_year_not_yet_come_is_read_in_the_last_century():
    assert refusal("29/02/27").code is RowProblemCode.INVALID_DATE  # 1927 is not a leap year


# No date ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["0/0/00", "00/00/00", "00/00/0000", "0/0/0000", "0000-00-00", "0000-00-00 00:00:00", "00.00.0000", "00-00-0000",
     "/  /", "/ /", "-", "0001-01-01", "0001-01-01T00:00:00.0000000", "1/1/0001", "01/01/0001 00:00:00",
     "1/1/0001 12:00:00 AM"],
)
def test_the_markers_exports_write_for_no_date_are_blank_in_every_order(cell):
    for order in DateOrder:
        assert read_date(cell, order, today=TODAY) is None
    assert evidence(cell) is Evidence.NONE


# Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["yesterday", "1990", "1990-11", "19901105", "5/11", "05/11/190", "05/11/1990/1", "1990-11-05 25:00",
             "05/11/1990 13:00 PM", "05/11/1990 14:60", "Fifth of November 1990", "5 Novembre 1990", "Smarch 5, 1990",
             "05/11-1990", "1990-11-05X"],
)
def test_what_is_not_a_date_is_refused_as_invalid_showing_how_to_write_one(cell):
    problem = refusal(cell)
    assert problem.code is RowProblemCode.INVALID_DATE
    assert str(problem) == f"'{cell}' is not a date; write it as 1990-11-05 or 05/11/1990"


def test_a_spreadsheet_day_number_is_not_a_date_and_the_message_says_what_it_is():
    problem = refusal("33182")
    assert problem.code is RowProblemCode.INVALID_DATE
    assert str(problem) == ("'33182' is not a date but a spreadsheet's day number; format the column as a date "
                            "in the spreadsheet before saving the file")


@pytest.mark.parametrize("cell", ["0000-11-24", "24/11/0000"])
def test_a_date_with_a_zero_year_is_refused_as_having_no_year(cell):
    problem = refusal(cell)
    assert problem.code is RowProblemCode.INVALID_DATE
    assert str(problem) == f"'{cell}' has no year (0000); write the year, or leave the cell empty"


@pytest.mark.parametrize(
    ("cell", "order", "detail"),
    [
        ("31/02/1990", DAY, "day 31 of month 2 of 1990"),
        ("31/02/1990", MONTH, "day 2 of month 31 of 1990"),
        ("2023-02-29", MONTH, "day 29 of month 2 of 2023"),
        ("13/13/1990", DAY, "day 13 of month 13 of 1990"),
        ("00/01/1990", DAY, "day 0 of month 1 of 1990"),
        ("1990-13-01", DAY, "day 1 of month 13 of 1990"),
        ("31 Feb 1990", MONTH, "day 31 of month 2 of 1990"),
    ],
)
def test_a_date_real_in_no_order_is_an_invalid_date_saying_why(cell, order, detail):
    problem = refusal(cell, order)
    assert problem.code is RowProblemCode.INVALID_DATE
    assert str(problem) == f"'{cell}' is not a real date ({detail})"


def test_a_date_real_only_day_first_in_a_month_first_column_is_ambiguous_and_suggests_day_first():
    problem = refusal("31/12/1990", MONTH)
    assert problem.code is RowProblemCode.AMBIGUOUS_DATE
    assert str(problem) == ("'31/12/1990' is not a real date month first (month 31); day first it would be "
                            "31 December 1990 - set dateOrder to DAY_FIRST if the column is day first")


def test_a_date_real_only_month_first_in_a_day_first_column_is_ambiguous_and_suggests_month_first():
    problem = refusal("12/31/1990", DAY)
    assert problem.code is RowProblemCode.AMBIGUOUS_DATE
    assert str(problem) == ("'12/31/1990' is not a real date day first (month 31); month first it would be "
                            "31 December 1990 - set dateOrder to MONTH_FIRST if the column is month first")


def test_a_year_last_date_in_doubt_in_a_year_first_column_is_ambiguous_naming_both_readings():
    problem = refusal("05/11/1990", YEAR)
    assert problem.code is RowProblemCode.AMBIGUOUS_DATE
    assert str(problem) == ("'05/11/1990' has its year last but its column is read year first; it is 5 November 1990 "
                            "day first and 11 May 1990 month first - set dateOrder to DAY_FIRST or MONTH_FIRST")


def test_parse_date_with_no_order_reads_day_first_and_everything_read_date_reads():
    assert parse_date("03/04/1990") == date(1990, 4, 3)
    assert parse_date("1990-11-05T00:00:00Z") == date(1990, 11, 5)
    assert parse_date("0/0/00") is None
    with pytest.raises(ValueProblem):
        parse_date("12/31/1990")


# Evidence --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("13/05/1990", Evidence.DAY_FIRST),  # the first part is over 12
        ("31.12.1990", Evidence.DAY_FIRST),
        ("13/05/90", Evidence.DAY_FIRST),
        ("05/13/1990", Evidence.MONTH_FIRST),  # the second part is over 12
        ("12/31/1990 00:00", Evidence.MONTH_FIRST),
        ("05/11/1990", Evidence.AMBIGUOUS),  # both 12 or less
        ("12/01/90", Evidence.AMBIGUOUS),
        ("05/05/1990", Evidence.NONE),  # the same date either way
        ("31/02/1990", Evidence.NONE),  # real in neither order
        ("13/13/1990", Evidence.NONE),
        ("1990-05-13", Evidence.NONE),  # year first
        ("1990/11/05", Evidence.NONE),
        ("90/11/05", Evidence.NONE),
        ("5 Nov 1990", Evidence.NONE),  # a month name
        ("", Evidence.NONE),
        ("0/0/00", Evidence.NONE),
        ("yesterday", Evidence.NONE),
    ],
)
def test_what_one_cell_proves_about_its_columns_order(cell, expected):
    assert evidence(cell) is expected


# A column's order ------------------------------------------------------------------------------


def decide(cells: list[str], *, chosen: DateOrder | None = None, default: DateOrder = DAY):
    """The decision for a column 'Birthday' whose cells are on rows 2, 3, ..."""
    return decide_date_order("Birthday", enumerate(cells, start=2), chosen=chosen, default=default, today=TODAY)


def test_a_column_with_a_second_part_over_12_is_month_first_and_the_notice_names_the_row():
    decision = decide(["05/11/1990", "", "04/03/1985", "12/31/1990"])
    assert decision.order is MONTH
    assert decision.notices() == [Notice(
        NoticeCode.DATE_ORDER,
        "Column 'Birthday' is read month first: row 5 has 12/31/1990: the second part is over 12, so this "
        "column is month first. So 05/11/1990 (row 2) is read as 11 May 1990.",
        column="Birthday", value="MONTH_FIRST", control=None, sample="row 5: 12/31/1990")]


def test_a_column_with_a_first_part_over_12_is_day_first_even_when_month_first_was_chosen():
    decision = decide(["13/05/1990", "05/11/1990"], chosen=MONTH, default=MONTH)
    assert decision.order is DAY
    assert decision.message.startswith("Column 'Birthday' is read day first: row 2 has 13/05/1990: the first part "
                                       "is over 12, so this column is day first.")
    assert [notice.code for notice in decision.notices()] == [NoticeCode.DATE_ORDER]


def test_an_ambiguous_column_follows_the_organisations_default_and_says_how_to_change_it():
    decision = decide(["05/11/1990", "01/02/1985"], default=DAY)
    assert decision.order is DAY
    [notice] = decision.notices()
    assert notice.message == (
        "No date in column 'Birthday' proves its order (each day and month is 12 or less), so it is read day first, "
        "this organisation's default; set dateOrder to MONTH_FIRST if it is month first. "
        "So 05/11/1990 (row 2) is read as 5 November 1990.")
    assert (notice.value, notice.control) == ("DAY_FIRST", Control.DATE_ORDER)


def test_an_ambiguous_column_follows_the_chosen_order_before_the_default():
    decision = decide(["05/11/1990"], chosen=MONTH, default=DAY)
    assert decision.order is MONTH
    assert ("so it is read month first, as dateOrder asks; set dateOrder to DAY_FIRST if it is day first"
            in decision.message)
    assert decide(["05/11/1990"], default=MONTH).order is MONTH


def test_a_conflicting_column_takes_the_order_more_rows_prove_and_lists_the_rows_that_disagree():
    cells = ["12/31/1990", "13/05/1990", "11/30/1985", "01/20/1970", "25/12/1980", "05/11/1990"]
    decision = decide(cells)
    assert decision.order is MONTH
    assert (decision.disagreeing_rows, decision.disagreeing_count) == ((3, 6), 2)
    order, conflict = decision.notices()
    assert order.message.startswith("Column 'Birthday' is read month first: 3 rows prove it (row 2 has 12/31/1990: "
                                    "the second part is over 12), against 2 that prove day first.")
    assert conflict == Notice(
        NoticeCode.DATE_ORDER_CONFLICT,
        "2 rows of column 'Birthday' prove day first (rows 3 and 6; row 3 has 13/05/1990), against 3 that prove "
        "month first: those rows are errors; correct them in the file.",
        column="Birthday", value="MONTH_FIRST", control=None, sample="row 3: 13/05/1990")


def test_a_tie_goes_to_the_chosen_order_and_the_conflict_says_dateorder_can_turn_it():
    decision = decide(["12/31/1990", "13/05/1990"], chosen=DAY, default=MONTH)
    assert decision.order is DAY
    assert decision.disagreeing_rows == (2,)
    assert decision.notices()[1].message == (
        "1 row of column 'Birthday' proves month first (row 2: 12/31/1990), against as many that prove day first "
        "(read day first, as dateOrder asks): that row is an error; correct it, or set dateOrder to MONTH_FIRST "
        "if the column is month first.")
    assert decide(["12/31/1990", "13/05/1990"], default=MONTH).order is MONTH


def test_a_conflict_names_the_first_ten_rows_that_disagree_and_counts_the_rest():
    cells = ["12/31/1990"] * 20 + ["13/05/1990"] * 14
    decision = decide(cells)
    assert decision.disagreeing_rows == tuple(range(22, 32))
    assert decision.disagreeing_count == 14
    assert "(rows 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 and 4 more; row 22 has 13/05/1990)" in decision.conflict


def test_a_column_of_dates_not_in_doubt_makes_no_notice():
    assert decide(["1990-11-05", "5 Nov 1990", "05/05/1990", ""]).notices() == []
    assert decide([]).notices() == []


def test_two_digit_years_and_no_date_markers_are_told_even_when_the_order_is_not_in_doubt():
    [notice] = decide(["0/0/00", "1990-11-05", "5-Nov-90", "0/0/00"]).notices()
    assert notice.message == (
        "Column 'Birthday' has no date whose day and month could be swapped. Two-digit years (1 row) are read as "
        "1927 to 2026. 2 cells written like 0/0/00 mean no date and are left empty.")


def test_a_columns_evidence_is_counts_and_a_few_rows_never_the_column():
    dates = ColumnDates("Birthday", TODAY)
    for row in range(2, 10_002):
        dates.add(row, "13/05/1990" if row % 2 else "05/13/1990")
    assert dates.proofs == {DAY: 5000, MONTH: 5000}
    assert all(len(rows) == 10 for rows in dates.proof_rows.values())


def test_a_decision_is_the_same_when_made_again_from_the_same_cells():
    cells = ["12/31/1990", "13/05/1990", "11/30/1985", "05/11/1990"]
    assert decide(cells) == decide(cells)


# Notices stored --------------------------------------------------------------------------------


def test_new_date_notices_replace_the_last_validations_and_keep_the_others():
    encoding = {"code": "ENCODING", "message": "Read as UTF-8.", "column": None, "value": "utf-8",
                "control": "encoding", "sample": None}
    old_date = {"code": "DATE_ORDER", "message": "old", "column": "DOB", "value": "DAY_FIRST",
                "control": "dateOrder", "sample": None}
    old_conflict = {**old_date, "code": "DATE_ORDER_CONFLICT"}
    new = Notice(NoticeCode.DATE_ORDER, "new", column="DOB", value="MONTH_FIRST", control=Control.DATE_ORDER)

    merged = merge_notices([encoding, old_date, old_conflict], [new], DATE_NOTICES)

    assert merged == [encoding, new.to_json()]
    assert merge_notices(None, [], DATE_NOTICES) == []
    assert merge_notices([encoding, old_date], [], DATE_NOTICES) == [encoding]


def test_the_orders_validation_used_are_read_back_from_the_stored_notices_by_field():
    mapping = [{"column": "DOB", "field": "date_of_birth"}, {"column": "Joined", "field": None},
               {"column": "Email", "field": "email"}]
    stored = [
        {"code": "ENCODING", "column": None, "value": "utf-8"},
        {"code": "DATE_ORDER", "column": "DOB", "value": "MONTH_FIRST"},
        {"code": "DATE_ORDER_CONFLICT", "column": "DOB", "value": "DAY_FIRST"},
        {"code": "DATE_ORDER", "column": "Joined", "value": "DAY_FIRST"},  # no longer mapped
    ]
    assert orders_from_notices(stored, mapping) == {"date_of_birth": MONTH}
    assert orders_from_notices(None, mapping) == {}


# RowValidator ----------------------------------------------------------------------------------

HEADERS = ["First", "Last", "Email", "Birthday"]
MAPPING = {0: "first_name", 1: "last_name", 2: "email", 3: "date_of_birth"}


def client_row(birthday: str, orders: dict[str, DateOrder] | None = None):
    validator = RowValidator(get_type("client"), HEADERS, MAPPING, date_orders=orders)
    return validator.validate(["Ada", "Lovelace", "ada@example.com", birthday])


def test_row_validator_reads_a_date_field_in_its_columns_order():
    assert client_row("05/11/1990", {"date_of_birth": MONTH}).values["date_of_birth"] == date(1990, 5, 11)
    assert client_row("05/11/1990", {"date_of_birth": DAY}).values["date_of_birth"] == date(1990, 11, 5)
    assert client_row("05/11/1990").values["date_of_birth"] == date(1990, 11, 5)


def test_row_validator_reads_a_no_date_marker_as_an_empty_date():
    assert client_row("0/0/00", {"date_of_birth": MONTH}).values["date_of_birth"] is None


def test_row_validator_gives_a_date_problems_code_with_its_error():
    outcome = client_row("13/05/1990", {"date_of_birth": MONTH})
    assert outcome.errors == [{
        "column": "Birthday", "field": "date_of_birth", "value": "13/05/1990", "code": "AMBIGUOUS_DATE",
        "message": "'13/05/1990' is not a real date month first (month 13); day first it would be 13 May 1990 - "
                   "set dateOrder to DAY_FIRST if the column is day first",
    }]
    assert client_row("31/02/1990").errors[0]["code"] == "INVALID_DATE"


def test_a_required_date_written_as_no_date_is_required():
    voucher = get_type("voucher")
    headers = ["code", "value", "issued_on"]
    outcome = RowValidator(voucher, headers, dict(enumerate(headers))).validate(["GIFT-1", "50", "0/0/00"])
    assert outcome.errors == [{"column": "issued_on", "field": "issued_on", "value": "0/0/00",
                               "message": "Issue date is required; '0/0/00' means no value", "code": "REQUIRED"}]
