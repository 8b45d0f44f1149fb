"""Parsers for each kind of field: a trimmed cell in, a value out, or ValueError with a
message a person understands."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email

from domain.dates import read_date
from domain.options import DEFAULT_DATE_ORDER
from domain.types.base import CURRENCIES, DEFAULT_CURRENCY, FieldKind, FieldSpec

__all__ = ["CURRENCIES", "DEFAULT_CURRENCY", "PARSERS", "parse_field", "parser_for"]

_ATEXT = r"-A-Za-z0-9!#$%&'*+/=?^_`{|}~"  # hyphen first: it goes inside character classes
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})"
_ASCII_DOMAIN = re.compile(_DOMAIN)
# The common case, decided without email-validator: a dot-atom local part of ASCII, or with
# letters of any script, at an ASCII domain with no IDNA label and a top-level domain of
# letters that is not reserved. Anything else is email-validator's to decide.
_COMMON_EMAIL = re.compile(rf"([{_ATEXT}\u0080-\U0010FFFF]+(?:\.[{_ATEXT}\u0080-\U0010FFFF]+)*)"
                           rf"@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")
_RESERVED_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")  # email-validator's special-use names
_MAX_EMAIL_BYTES = 254
_MAX_LOCAL_CHARS = 64
_MAX_DOMAIN_CHARS = 253
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,}(?:\s*(?:x|ext\.?)\s*\d{1,6})?", re.IGNORECASE)
_FIVE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){5}")
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0", ""})


def parse_text(value: str) -> str:
    return value


def parse_email(value: str) -> str:
    """An address as people type them; internationalised addresses are accepted.

    The rule is email-validator's (syntax only, strict: at most 64 characters before the @)
    plus a top-level domain of at least two letters (or an IDNA `xn--` label). The common
    case is checked by `common_email` alone, ~30 times faster; the rest by `full_email_check`.
    """
    if common_email(value) or full_email_check(value):
        return value
    raise ValueError(f"'{value}' is not a valid email address")


def common_email(value: str) -> bool:
    """True for an address of the common shape that the full check would accept; False
    means "not decided here", never "invalid"."""
    match = _COMMON_EMAIL.fullmatch(value)
    if match is None:
        return False
    local, domain = match.groups()
    if len(local) > _MAX_LOCAL_CHARS or len(domain) > _MAX_DOMAIN_CHARS:
        return False
    if domain.rpartition(".")[2].lower() in _RESERVED_DOMAINS or "xn--" in domain.lower():
        return False
    if value.isascii():
        return len(value) <= _MAX_EMAIL_BYTES
    return (len(value.encode()) <= _MAX_EMAIL_BYTES and unicodedata.is_normalized("NFC", local)
            and all(char.isalpha() for char in local if not char.isascii()))


def full_email_check(value: str) -> bool:
    """email-validator's syntax check, with our rule for the top-level domain."""
    try:
        result = validate_email(value, check_deliverability=False, strict=True)
    except EmailNotValidError:
        return False
    return _ASCII_DOMAIN.fullmatch(result.ascii_domain) is not None and len(result.ascii_domain) <= 253


def parse_date(value: str) -> date | None:
    """A date as exports write it (see domain.dates), day first when its order is in doubt;
    None for a cell that means "no date" (0/0/00). A column's order is decided by RowValidator."""
    return read_date(value, DEFAULT_DATE_ORDER)


def parse_boolean(value: str) -> bool:
    """yes/no, true/false, y/n, 1/0 in any case; blank is no."""
    word = value.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"'{value}' is not yes or no; use yes/no, true/false, y/n or 1/0")


def parse_phone(value: str) -> str:
    if _PHONE.fullmatch(value) and _FIVE_DIGITS.match(value):
        return value
    raise ValueError(f"'{value}' is not a phone number")


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?")
_CODE_LENGTH = 50
CENT = Decimal("0.01")


def parse_code(value: str) -> str:
    """A code or SKU as written: letters, digits and - _ . / inside."""
    if len(value) <= _CODE_LENGTH and _CODE.fullmatch(value):
        return value
    raise ValueError(f"'{value}' is not a code; use letters, digits and - _ . / only (at most {_CODE_LENGTH})")


def parse_barcode(value: str) -> str:
    """An EAN-13, UPC-A (12 digits) or EAN-8 barcode whose last digit is its check digit."""
    digits = value.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13):
        raise ValueError(f"'{value}' is not a barcode; an EAN-13 has 13 digits, a UPC-A 12 and an EAN-8 8")
    body = [int(ch) for ch in digits[:-1]]
    # Weights 3 and 1 alternate from the digit next to the check digit.
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    expected = (10 - total % 10) % 10
    if int(digits[-1]) != expected:
        raise ValueError(f"'{value}' is not a valid barcode: its check digit should be {expected}")
    return digits


def parse_references(value: str) -> list[str]:
    """Codes or SKUs separated by ';': 'FACIAL60; SKU-123'."""
    codes = [part.strip() for part in value.split(";") if part.strip()]
    if not codes:
        raise ValueError(f"'{value}' names no codes; separate codes with ';'")
    for code in codes:
        parse_code(code)
    return codes


def _bounded(spec: FieldSpec, number: int | Decimal, value: str) -> None:
    if spec.minimum is not None and number < spec.minimum:
        raise ValueError(f"{spec.label} is {value}; the least is {spec.minimum}")
    if spec.maximum is not None and number > spec.maximum:
        raise ValueError(f"{spec.label} is {value}; the most is {spec.maximum}")


def parse_integer(spec: FieldSpec, value: str) -> int:
    if not _INTEGER.fullmatch(value):
        raise ValueError(f"'{value}' is not a whole number")
    number = int(value)
    _bounded(spec, number, value)
    return number


def parse_decimal(spec: FieldSpec, value: str, *, money: bool = False) -> Decimal:
    """An exact number, never a float: '45', '45.5', '1,234.50'; money may start with £ $ or €,
    a rate may end with %."""
    text = value
    if money and text[:1] in "£$€":
        text = text[1:].strip()
    if not money and text.endswith("%"):
        text = text[:-1].strip()
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"'{value}' is not {'an amount' if money else 'a number'}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a number") from None
    if number != number.quantize(CENT):
        raise ValueError(f"'{value}' has more than 2 decimal places")
    _bounded(spec, number, value)
    return number.quantize(CENT)


def parse_choice(spec: FieldSpec, value: str) -> str:
    """One of the field's allowed values, in any case; a near miss is suggested."""
    folded = {choice.casefold(): choice for choice in spec.allowed}
    if value.casefold() in folded:
        return folded[value.casefold()]
    noun = spec.label.lower()
    article = "an" if noun[:1] in "aeio" else "a"
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        raise ValueError(f"'{value}' is not {article} {noun}; did you mean '{folded[close[0]]}'?")
    raise ValueError(f"'{value}' is not {article} {noun}; use one of {', '.join(spec.allowed)}")


SPEC_PARSERS: dict[FieldKind, Callable[[FieldSpec, str], object]] = {
    FieldKind.INTEGER: parse_integer,
    FieldKind.DECIMAL: parse_decimal,
    FieldKind.MONEY: lambda spec, value: parse_decimal(spec, value, money=True),
    FieldKind.CHOICE: parse_choice,
}


def parse_field(spec: FieldSpec, value: str) -> object:
    """A trimmed, non-blank cell of the field `spec` parsed, or ValueError."""
    return parser_for(spec)(value)


def parser_for(spec: FieldSpec) -> Callable[[str], object]:
    """The parser of the field `spec`: a trimmed, non-blank cell in, a value out, or ValueError."""
    if spec.kind in SPEC_PARSERS:
        return functools.partial(SPEC_PARSERS[spec.kind], spec)
    return PARSERS[spec.kind]


PARSERS: dict[FieldKind, Callable[[str], object]] = {
    FieldKind.TEXT: parse_text,
    FieldKind.EMAIL: parse_email,
    FieldKind.DATE: parse_date,
    FieldKind.BOOLEAN: parse_boolean,
    FieldKind.PHONE: parse_phone,
    FieldKind.BARCODE: parse_barcode,
    FieldKind.CODE: parse_code,
    FieldKind.REFERENCES: parse_references,
}
