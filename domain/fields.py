"""Parsers for each kind of field: a trimmed cell in, a value out, or ValueError with a
message a person understands."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from email_validator import EmailNotValidError, validate_email

from domain.types.base import FieldKind

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})"
_ASCII_DOMAIN = re.compile(_DOMAIN)
_ASCII_EMAIL = re.compile(rf"({_LOCAL})@({_DOMAIN})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,}(?:\s*(?:x|ext\.?)\s*\d{1,6})?", re.IGNORECASE)
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0", ""})


def parse_text(value: str) -> str:
    return value


def parse_email(value: str) -> str:
    """An address as people type them; internationalised addresses are accepted."""
    if value.isascii():
        match = _ASCII_EMAIL.fullmatch(value)
        if match and len(match.group(1)) <= 64 and len(match.group(2)) <= 253:
            return value
        raise ValueError(f"'{value}' is not a valid email address")
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(f"'{value}' is not a valid email address") from None
    # The domain, in its ASCII (IDNA) form, must pass the same rule as an ASCII address's.
    if not _ASCII_DOMAIN.fullmatch(result.ascii_domain) or len(result.ascii_domain) > 253:
        raise ValueError(f"'{value}' is not a valid email address")
    return value


def parse_date(value: str) -> date:
    """ISO 1990-11-05, or the day-first 05/11/1990 of UK spreadsheets."""
    match = _ISO_DATE.fullmatch(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DAY_FIRST.fullmatch(value)
        if not match:
            raise ValueError(f"'{value}' is not a date; write it as 1990-11-05 or 05/11/1990")
        day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date (day {day} of month {month} of {year})") from None


def parse_boolean(value: str) -> bool:
    """yes/no, true/false, y/n, 1/0 in any case; blank is no."""
    word = value.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"'{value}' is not yes or no; use yes/no, true/false, y/n or 1/0")


def parse_phone(value: str) -> str:
    if _PHONE.fullmatch(value) and sum(ch.isdigit() for ch in value) >= 5:
        return value
    raise ValueError(f"'{value}' is not a phone number")


PARSERS: dict[FieldKind, Callable[[str], object]] = {
    FieldKind.TEXT: parse_text,
    FieldKind.EMAIL: parse_email,
    FieldKind.DATE: parse_date,
    FieldKind.BOOLEAN: parse_boolean,
    FieldKind.PHONE: parse_phone,
}
