"""Encodings detected, not assumed: each file of the corpus (tests/samples/exports/) is read as
it was written, what was decided is stored as notices, and a person's encoding overrides it."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.files.encodings import SAMPLE_BYTES, _scan, codec_name, detect_encoding
from domain.errors import BadInput
from domain.options import ReadOptions
from domain.files.reading import detect_format, open_rows
from tests.helpers import data_of, settle, upload
from tests.reading_cases import EXPORTS, create, export, imported_clients, notices_of, principal, service, stored

OUTLOOK_MAPPING = [{"column": "First Name", "field": "first_name"}, {"column": "Last Name", "field": "last_name"},
                   {"column": "E-mail Address", "field": "email"}, {"column": "Mobile Phone", "field": "phone"},
                   {"column": "Notes", "field": "notes"}]


def uploaded(client, token, name: str, **kwargs) -> dict:  # noqa: ANN003
    created = data_of(upload(client, export(name), token=token, filename=name, **kwargs))["createImport"]
    final = settle(client, token, created["id"])
    assert final["status"] == "VALIDATED", final
    return final


# detection, file by file


@pytest.mark.parametrize(("name", "encoding", "unsure"), [
    ("excel_mac_roman.csv", "mac_roman", False),
    ("outlook_contacts_cp1252.csv", "cp1252", False),
    ("excel_unicode_text.txt", "utf-16", False),
    ("booking_system_latin1.csv", "cp1252", True),  # Latin-1 text reads the same as Windows-1252
    ("mac_roman_crlf.csv", "cp1252", True),  # only "ë": Windows-1252 reads it as "‘", and says it is unsure
    ("report_with_title_block.csv", "utf-8", False),
])
def test_each_export_gets_its_encoding_and_says_how_sure(name, encoding, unsure):
    guess = detect_encoding(EXPORTS / name)
    assert (guess.encoding, guess.unsure) == (encoding, unsure)
    assert detect_encoding(EXPORTS / name) == guess  # the same file, the same answer


def test_the_unsure_guess_names_the_other_readings_and_shows_a_sample():
    guess = detect_encoding(EXPORTS / "mac_roman_crlf.csv")
    assert "mac_roman" in guess.others
    assert guess.sample == "Zo‘,Bront‘,zoe.bronte@example.com"
    assert guess.confidence < 0.7


def test_lone_cr_line_ends_favour_mac_roman_and_the_rows_come_out_whole():
    path = EXPORTS / "excel_mac_roman.csv"
    guess = detect_encoding(path)
    assert guess.mac_line_ends and guess.encoding == "mac_roman"
    rows = list(open_rows(path, detect_format(path)))
    assert rows == [(1, ["First name", "Last name", "Email", "Notes"]),
                    (2, ["Zoë", "Dupré", "zoe@example.com", "Café au lait"]),
                    (3, ["François", "Søren", "francois@example.com", "Crème brûlée – twice"])]


def test_a_file_valid_as_utf8_is_utf8_and_plain_ascii_is_said_to_be(tmp_path):
    (tmp_path / "a.csv").write_bytes("Name\nZoë\n".encode())
    (tmp_path / "b.csv").write_bytes(b"Name\nZoe\n")
    accented, plain = detect_encoding(tmp_path / "a.csv"), detect_encoding(tmp_path / "b.csv")
    assert (accented.encoding, accented.how, plain.encoding, plain.how) == ("utf-8", "utf-8", "utf-8", "ascii")


@pytest.mark.parametrize(("text", "encoding", "expected"), [
    ("Imię,Nazwisko,Miasto\nAnna,Wiśniewska,Kraków\nPiotr,Nowak,Łódź\n", "cp1250", "cp1250"),
    ("Имя,Фамилия\nИван,Петров\nМария,Иванова\n", "cp1251", "cp1251"),
    ("Name,City\nJosé,Zürich\nMüller,Köln\n", "cp850", "cp850"),
    ("Name;Price\r\nCafé;5 €\r\n", "cp1252", "cp1252"),
])
def test_other_single_byte_encodings_spreadsheets_write_are_found(tmp_path, text, encoding, expected):
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode(encoding))
    guess = detect_encoding(path)
    assert guess.encoding == expected
    assert [cells for _, cells in open_rows(path, detect_format(path))][1] == text.splitlines()[1].split(
        ";" if ";" in text else ",")


def test_a_byte_no_encoding_reads_well_falls_back_to_latin1_and_is_unsure(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"Name,Code\nCaf\xe9,\x81\x9d\n")
    guess = detect_encoding(path)
    assert (guess.encoding, guess.unsure) == ("latin-1", True)


def test_the_sample_the_detector_sees_is_bounded_whatever_the_file_size(tmp_path):
    path = tmp_path / "big.csv"
    line = "Renée;Lefèvre;Besançon\r\n".encode("cp1252")
    with path.open("wb") as file:
        file.write(b"Name;Surname;Town\r\n")
        for _ in range(40):
            file.write(line * 10_000)  # about 10 MB in all
    scan = _scan(path)
    assert len(scan.snippets) <= SAMPLE_BYTES
    assert not scan.is_utf8 and detect_encoding(path).encoding == "cp1252"


def test_a_non_ascii_byte_deep_in_a_big_file_still_counts(tmp_path):
    path = tmp_path / "late.csv"
    path.write_bytes(b"Name\n" + b"abc\n" * 400_000 + "Zoë\n".encode("cp1252"))
    guess = detect_encoding(path)
    assert guess.encoding == "cp1252" and guess.sample == "Zoë"


@pytest.mark.parametrize(("given", "name"), [
    ("windows-1252", "cp1252"), ("macintosh", "mac_roman"), ("mac_roman", "mac_roman"), ("latin-1", "latin-1"),
    ("ISO-8859-1", "latin-1"), ("utf-16", "utf-16"), ("UTF-8", "utf-8"), ("cp850", "cp850"),
])
def test_common_encoding_names_are_accepted_and_stored_by_one_name(given, name):
    assert codec_name(given) == name


@pytest.mark.parametrize("given", ["klingon", "base64", "rot13", "", "idna", "unicode_escape"])
def test_names_that_are_not_text_encodings_are_refused_in_words(given):
    with pytest.raises(ValueError, match="not an encoding this service knows"):
        codec_name(given)


# through the service and the API: stored values


def test_an_excel_for_mac_csv_is_stored_exactly_and_the_encoding_noticed(client, token):
    final = uploaded(client, token, "excel_mac_roman.csv")
    assert final["headers"] == ["First name", "Last name", "Email", "Notes"]
    notices = notices_of(client, final["id"])
    assert set(notices) == {"ENCODING"}
    assert notices["ENCODING"]["value"] == "mac_roman" and notices["ENCODING"]["control"] == "encoding"
    assert "Mac Roman" in notices["ENCODING"]["message"] and "lone CR" in notices["ENCODING"]["message"]
    assert notices["ENCODING"]["sample"] == "Zoë,Dupré,zoe@example.com,Café au lait"
    clients = imported_clients(client, token, final["id"])
    zoe, francois = clients["zoe@example.com"], clients["francois@example.com"]
    assert (zoe.first_name, zoe.last_name, zoe.notes) == ("Zoë", "Dupré", "Café au lait")
    assert (francois.first_name, francois.last_name, francois.notes) == ("François", "Søren", "Crème brûlée – twice")
    assert stored(client, final["id"]).encoding == "mac_roman"


def test_an_outlook_export_in_windows_1252_keeps_its_euro_signs_and_accents(client, token):
    final = uploaded(client, token, "outlook_contacts_cp1252.csv", mapping=OUTLOOK_MAPPING)
    notices = notices_of(client, final["id"])
    assert set(notices) == {"ENCODING"} and notices["ENCODING"]["value"] == "cp1252"
    clients = imported_clients(client, token, final["id"])
    renee, zoe, jurgen = (clients[f"{who}@example.com"] for who in ("renee.dubois", "zoe.smith", "juergen.weiss"))
    assert (renee.first_name, renee.notes, renee.phone) == ("Renée", "Paid a 50 € deposit", "+33 6 12 34 56 78")
    assert (zoe.first_name, zoe.notes) == ("Zoë", "Likes the “hot stones” treatment")
    assert (jurgen.first_name, jurgen.last_name, jurgen.notes) == ("Jürgen", "Weiß", "Café au lait, no sugar")


def test_excel_unicode_text_is_utf16_tab_separated_and_needs_no_notice(client, token):
    final = uploaded(client, token, "excel_unicode_text.txt")
    record = stored(client, final["id"])
    assert (record.encoding, record.delimiter, record.notices) == ("utf-16", "\t", [])
    clients = imported_clients(client, token, final["id"])
    zoe = clients["zoe@example.com"]
    assert (zoe.first_name, zoe.last_name, zoe.notes) == ("Zoë", "Łukasiewicz", "日本語のメモ")


def test_a_latin1_export_is_stored_exactly_and_the_doubt_is_shown_with_a_sample(client, token):
    final = uploaded(client, token, "booking_system_latin1.csv")
    notices = notices_of(client, final["id"])
    assert set(notices) == {"ENCODING", "ENCODING_UNSURE"}
    unsure = notices["ENCODING_UNSURE"]
    assert unsure["value"] == "cp1252" and unsure["control"] == "encoding"
    assert unsure["sample"].startswith("João;Araújo;") and "Windows-1250" in unsure["message"]
    clients = imported_clients(client, token, final["id"])
    joao, soren, chloe = (clients[f"{who}@example.com"] for who in ("joao.araujo", "soren.agard", "chloe.muller"))
    assert (joao.first_name, joao.last_name, joao.notes) == ("João", "Araújo", "Prefere marcações às 9h")
    assert (soren.first_name, soren.last_name, soren.notes) == ("Søren", "Ågård", "Ønsker ikke nyhedsbrev")
    assert (chloe.first_name, chloe.last_name, chloe.notes) == ("Chloé", "Müller", "Grüße an das Team")


def test_plain_utf8_files_get_no_encoding_notice(client, token):
    content = "first_name,last_name,email\nZoë,Brontë,zoe@example.com\n".encode()
    created = data_of(upload(client, content, token=token))["createImport"]
    settle(client, token, created["id"])
    assert stored(client, created["id"]).notices == []
    with_bom = data_of(upload(client, b"\xef\xbb\xbf" + content, token=token))["createImport"]
    settle(client, token, with_bom["id"])
    assert stored(client, with_bom["id"]).notices == []


def test_an_unsure_guess_is_corrected_with_an_encoding_and_the_values_follow(client, token):
    record = create(client, token, "mac_roman_crlf.csv")
    settle(client, token, str(record.id))
    unsure = notices_of(client, record.id)["ENCODING_UNSURE"]
    assert unsure["sample"] == "Zo‘,Bront‘,zoe.bronte@example.com" and "Mac Roman" in unsure["message"]

    service(client).update_mapping(principal(client, token), record.id, options=ReadOptions(encoding="macintosh"))
    final = settle(client, token, str(record.id))
    assert final["status"] == "VALIDATED"
    again = stored(client, record.id)
    assert again.encoding == "mac_roman" and again.options == {"encoding": "mac_roman"}
    notices = notices_of(client, record.id)
    assert set(notices) == {"ENCODING"} and "the encoding you chose" in notices["ENCODING"]["message"]
    assert notices["ENCODING"]["sample"] == "Zoë,Brontë,zoe.bronte@example.com"
    clients = imported_clients(client, token, str(record.id))
    zoe = clients["zoe.bronte@example.com"]
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Brontë")


def test_an_encoding_given_at_upload_is_used_and_stored(client, token):
    record = create(client, token, "mac_roman_crlf.csv", options=ReadOptions(encoding="mac_roman"))
    assert (record.encoding, record.options) == ("mac_roman", {"encoding": "mac_roman"})
    settle(client, token, str(record.id))
    clients = imported_clients(client, token, str(record.id))
    assert clients["zoe.bronte@example.com"].first_name == "Zoë"


def test_an_unknown_encoding_or_one_that_cannot_read_the_file_is_refused_and_nothing_kept(client, token):
    with pytest.raises(BadInput, match="Unknown encoding: 'klingon' is not an encoding"):
        create(client, token, "excel_mac_roman.csv", options=ReadOptions(encoding="klingon"))
    with pytest.raises(BadInput, match="is not UTF-8 text"):
        create(client, token, "excel_mac_roman.csv", options=ReadOptions(encoding="utf-8"))
    assert not list((client.app.state.services.imports.settings.uploads_dir).glob("*"))


def test_a_change_of_encoding_makes_the_notices_anew(client, token):
    record = create(client, token, "mac_roman_crlf.csv")
    settle(client, token, str(record.id))
    kept = {"code": "COLUMN_NOT_MAPPED", "message": "kept", "column": "Email", "value": None, "control": "mapping",
            "sample": None}
    with client.app.state.services.db.write() as session:
        current = session.get(type(record), record.id)
        current.notices = [*current.notices, kept]
        session.add(current)
    service(client).update_mapping(principal(client, token), record.id, options=ReadOptions(encoding="mac_roman"))
    settle(client, token, str(record.id))
    # The mapping's notices are made again too: the stale one is gone, none applies to this file.
    assert kept not in stored(client, record.id).notices
    assert set(notices_of(client, record.id)) == {"ENCODING"}


def test_the_export_files_are_what_their_names_say():
    assert export("excel_mac_roman.csv").count(b"\r") == 3 and b"\n" not in export("excel_mac_roman.csv")
    assert export("excel_unicode_text.txt").startswith(b"\xff\xfe")
    assert Path(EXPORTS / "outlook_contacts_cp1252.csv").read_bytes().count(b"\r\n") == 4
