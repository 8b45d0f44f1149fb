"""Parsers for each kind of field: a trimmed cell in, a value out, or ValueError with a
message a person understands."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email

from domain.rules.dates import read_date
from domain.notices import Control, Notice, NoticeCode
from domain.options import DEFAULT_DATE_ORDER
from domain.rules.problems import RowProblemCode, ValueProblem
from domain.rules.types.base import CURRENCIES, DEFAULT_CURRENCY, FieldKind, FieldSpec

__all__ = ["CURRENCIES", "DEFAULT_CURRENCY", "PARSERS", "decimal_separator_for", "decimal_separator_notice",
           "parse_field", "parser_for"]

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
_PHONE = re.compile(r"\+?[0-9 ()./-]{5,}(?:\s*(?:x|ext\.?|extension|#)\s*:?\s*\d{1,6})?", re.IGNORECASE)
_FIVE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){5}")
# No-break (U+00A0), narrow no-break (U+202F), thin (U+2009) and the other fixed-width spaces
# that spreadsheets and locales put in numbers.
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_JOINER = re.compile(r"(?<=[a-z])[-_](?=[a-z])")  # opt-in, NEVER_SUBSCRIBED (not the sign of -1)
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0", ""})
# Consent as exports write it (Mailchimp, Square, Shopify, Klaviyo, HubSpot), compared in lower
# case with '_' and '-' read as spaces. Only a recorded, confirmed consent is yes.
CONSENT_YES = frozenset({"subscribed", "opted in", "opt in", "optin", "consented"})
CONSENT_NO = frozenset({
    "unsubscribed", "opted out", "opt out", "optout",
    "not subscribed", "non subscribed", "nonsubscribed", "never subscribed",  # Shopify, Mailchimp, Klaviyo
    "cleaned", "bounced",  # Mailchimp: the address bounced and was removed
    "pending",  # Mailchimp, Shopify: a double opt-in never confirmed
    "transactional",  # Mailchimp: only order and account emails
    "archived",  # Mailchimp: the contact was archived
    "unknown",  # Square: no consent recorded
    "suppressed", "redacted", "invalid",  # Klaviyo; Shopify's erased and invalid states
})


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
    raise ValueProblem(f"'{value}' is not a valid email address", RowProblemCode.INVALID_EMAIL)


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
    """A date as exports write it (see domain.rules.dates), day first when its order is in doubt;
    None for a cell that means "no date" (0/0/00). A column's order is decided by RowValidator."""
    return read_date(value, DEFAULT_DATE_ORDER)


def parse_boolean(value: str) -> bool:
    """yes/no, true/false, y/n, 1/0 in any case; blank is no."""
    word = value.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueProblem(f"'{value}' is not yes or no; use yes/no, true/false, y/n or 1/0",
                       RowProblemCode.INVALID_BOOLEAN)


def parse_consent(value: str) -> bool:
    """A yes/no of `parse_boolean`, or a consent word of CONSENT_YES (True) or CONSENT_NO
    (False): 'Subscribed', 'opted-in', 'NEVER_SUBSCRIBED', 'cleaned'..."""
    word = " ".join(_JOINER.sub(" ", value.casefold()).split())
    if word in _TRUE or word in CONSENT_YES:
        return True
    if word in _FALSE or word in CONSENT_NO:
        return False
    raise ValueProblem(f"'{value}' is not yes or no; use yes/no, true/false, y/n, 1/0 or subscribed/unsubscribed",
                       RowProblemCode.INVALID_BOOLEAN)


def parse_phone(value: str) -> str:
    """A phone number as people write it, with an extension (x 12, ext. 12, #12); its
    no-break and thin spaces become plain spaces (the same number, stored plainly)."""
    text = _ODD_SPACES.sub(" ", value)
    if _PHONE.fullmatch(text) and _FIVE_DIGITS.match(text):
        return text
    raise ValueProblem(f"'{value}' is not a phone number", RowProblemCode.INVALID_PHONE)


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")  # 1,234.50
_COMMA_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)")  # 12,50
_GROUPED_COMMA = re.compile(r"[+-]?[0-9]{1,3}(?:[. ][0-9]{3})+(?:,[0-9]*)?")  # 1.234,50 and 1 234,50
_CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?")
_CODE_LENGTH = 50
_CURRENCY_SIGNS = "£$€"
DECIMAL_SEPARATORS = (".", ",")
CENT = Decimal("0.01")


def parse_code(value: str) -> str:
    """A code or SKU as written: letters, digits and - _ . / inside."""
    if len(value) <= _CODE_LENGTH and _CODE.fullmatch(value):
        return value
    raise ValueProblem(f"'{value}' is not a code; use letters, digits and - _ . / only (at most {_CODE_LENGTH})",
                       RowProblemCode.INVALID_CODE)


def parse_barcode(value: str) -> str:
    """An EAN-13, UPC-A (12 digits) or EAN-8 barcode whose last digit is its check digit."""
    digits = value.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13):
        raise ValueProblem(f"'{value}' is not a barcode; an EAN-13 has 13 digits, a UPC-A 12 and an EAN-8 8",
                           RowProblemCode.INVALID_BARCODE)
    body = [int(ch) for ch in digits[:-1]]
    # Weights 3 and 1 alternate from the digit next to the check digit.
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    expected = (10 - total % 10) % 10
    if int(digits[-1]) != expected:
        raise ValueProblem(f"'{value}' is not a valid barcode: its check digit should be {expected}",
                           RowProblemCode.INVALID_BARCODE)
    return digits


def parse_references(value: str) -> list[str]:
    """Codes or SKUs separated by ';': 'FACIAL60; SKU-123'."""
    codes = [part.strip() for part in value.split(";") if part.strip()]
    if not codes:
        raise ValueProblem(f"'{value}' names no codes; separate codes with ';'", RowProblemCode.INVALID_CODE)
    for code in codes:
        parse_code(code)
    return codes


def _bounded(spec: FieldSpec, number: int | Decimal, value: str) -> None:
    if spec.minimum is not None and number < spec.minimum:
        raise ValueProblem(f"{spec.label} is {value}; the least is {spec.minimum}", RowProblemCode.OUT_OF_RANGE)
    if spec.maximum is not None and number > spec.maximum:
        raise ValueProblem(f"{spec.label} is {value}; the most is {spec.maximum}", RowProblemCode.OUT_OF_RANGE)


def parse_integer(spec: FieldSpec, value: str) -> int:
    if not _INTEGER.fullmatch(value):
        raise ValueProblem(f"'{value}' is not a whole number", RowProblemCode.INVALID_NUMBER)
    number = int(value)
    _bounded(spec, number, value)
    return number


def decimal_separator_for(delimiter: str | None, chosen: str | None = None) -> str:
    """The decimal separator of a file: the one a person chose, else ',' in a ';'-delimited
    file (as European spreadsheets write them), else '.'."""
    if chosen is not None:
        return chosen
    return "," if delimiter == ";" else "."


def decimal_separator_notice(delimiter: str | None, chosen: str | None, columns: Sequence[str]) -> Notice | None:
    """The DECIMAL_SEPARATOR notice of an import whose number `columns` (the columns mapped to
    decimal and money fields) are read with a decimal comma nobody chose; None otherwise."""
    if chosen is not None or decimal_separator_for(delimiter) != "," or not columns:
        return None
    named = ", ".join(f"'{column}'" for column in columns)
    return Notice(NoticeCode.DECIMAL_SEPARATOR,
                  f"Numbers in {named} are read with a decimal comma (12,50 is 12.50, 1.234,50 is 1234.50), as "
                  "the file is separated by semicolons; choose the decimal separator '.' if they use a decimal point.",
                  value=",", control=Control.DECIMAL_SEPARATOR)


def parse_decimal(spec: FieldSpec, value: str, *, money: bool = False, decimal_separator: str = ".") -> Decimal:
    """An exact number, never a float, with at most 2 decimal places. With the separator
    '.': '45', '45.5', '1,234.50'. With ',': '12,50', '1.234,50', '1 234,50' (and a plain
    '12.50', which can only be a decimal point); a number that reads both ways ('1,234')
    follows the separator. Money may carry £ $ or € before or after it; a rate may end with %."""
    number = _number(_bare(value, money=money), decimal_separator)
    if number is None:
        hint = "; if the file writes decimal commas, set its decimal separator to ','" \
            if decimal_separator == "." and _COMMA_DECIMAL.fullmatch(_bare(value, money=money)) else ""
        raise ValueProblem(f"'{value}' is not {'an amount' if money else 'a number'}{hint}",
                           RowProblemCode.INVALID_NUMBER)
    if number != number.quantize(CENT):
        comma = decimal_separator == "," and "," in value
        read_as = f" (read with the file's decimal comma: {number})" if comma else ""
        raise ValueProblem(f"'{value}' has more than 2 decimal places{read_as}", RowProblemCode.INVALID_NUMBER)
    _bounded(spec, number, value)
    return number.quantize(CENT)


def _bare(value: str, *, money: bool) -> str:
    """The number of a cell: without its currency sign (money) or % (a rate), odd spaces plain."""
    text = _ODD_SPACES.sub(" ", value)
    if money and text[:1] and text[:1] in _CURRENCY_SIGNS:
        return text[1:].strip()
    if money and text[-1:] and text[-1:] in _CURRENCY_SIGNS:
        return text[:-1].strip()
    return text[:-1].strip() if not money and text.endswith("%") else text


def _number(text: str, decimal_separator: str) -> Decimal | None:
    if _checked(decimal_separator) == ",":
        if _GROUPED_COMMA.fullmatch(text):
            text = text.replace(".", "").replace(" ", "").replace(",", ".")
        elif _COMMA_DECIMAL.fullmatch(text):
            text = text.replace(",", ".")
    elif _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _checked(decimal_separator: str) -> str:
    if decimal_separator not in DECIMAL_SEPARATORS:
        raise ValueError(f"a decimal separator is one of {DECIMAL_SEPARATORS}, not {decimal_separator!r}")
    return decimal_separator


def parse_choice(spec: FieldSpec, value: str) -> str:
    """One of the field's allowed values, in any case; a near miss is suggested."""
    folded = {choice.casefold(): choice for choice in spec.allowed}
    if value.casefold() in folded:
        return folded[value.casefold()]
    noun = spec.label.lower()
    article = "an" if noun[:1] in "aeio" else "a"
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        raise ValueProblem(f"'{value}' is not {article} {noun}; did you mean '{folded[close[0]]}'?",
                           RowProblemCode.NOT_A_CHOICE)
    raise ValueProblem(f"'{value}' is not {article} {noun}; use one of {', '.join(spec.allowed)}",
                       RowProblemCode.NOT_A_CHOICE)


SPEC_PARSERS: dict[FieldKind, Callable[[FieldSpec, str], object]] = {
    FieldKind.INTEGER: parse_integer,
    FieldKind.CHOICE: parse_choice,
}


def parse_field(spec: FieldSpec, value: str, *, decimal_separator: str = ".") -> object:
    """A trimmed, non-blank cell of the field `spec` parsed, or ValueError (a ValueProblem
    when its code is not the default of the field's kind)."""
    return parser_for(spec, decimal_separator=decimal_separator)(value)


def parser_for(spec: FieldSpec, *, decimal_separator: str = ".") -> Callable[[str], object]:
    """The parser of the field `spec`: a trimmed, non-blank cell in, a value out, or
    ValueError. Decimals and amounts are read with `decimal_separator` ('.' or ',');
    a consent field also takes consent words."""
    if spec.kind in (FieldKind.DECIMAL, FieldKind.MONEY):
        return functools.partial(parse_decimal, spec, money=spec.kind is FieldKind.MONEY,
                                 decimal_separator=_checked(decimal_separator))
    if spec.kind is FieldKind.BOOLEAN and spec.consent:
        return parse_consent
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
