"""Email checking: the fast common-case rule never disagrees with the full check.

`parse_email` accepts an address when `common_email` (one regex and a few length checks)
says so, and asks `full_email_check` (email-validator, strict, plus a top-level domain of
two letters or more) about everything else. The rule is therefore the full check's, and
these tests prove the shortcut on a corpus of valid and invalid addresses, internationalised
ones included, and on generated near-misses: whatever the shortcut accepts, the full check
accepts too.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules.fields import common_email, full_email_check, parse_email

VALID = [
    "ada@example.com",
    "Ada.Lovelace+spa@mail.example.co.uk",
    "ADA@EXAMPLE.COM",
    "o'brien@example.ie",
    "first_last-1@sub-domain.example.org",
    "a@b.co",
    "x@a-b.example.museum",
    "1234567890@example.com",
    "user%tag@example.com",
    "!#$%&'*+-/=?^_`{|}~@example.com",
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".com",  # 254 characters in all
    "a" * 64 + "@example.com",
    "a@" + "b" * 63 + ".com",
    "zoë.lovelace.3@example.com",
    "josé@example.com",
    "Björk.Guðmundsdóttir@example.is",
    "müller@example.de",
    "δοκιμή@example.gr",
    "用户@example.com",
    "почта@example.ru",
    "ada@xn--bcher-kva.de",
    "user@bücher.de",
    "用户@例子.广告",
    "Δοκιμή@παράδειγμα.δοκιμή",
    "ñoño@ñandú.es",
]

INVALID = [
    "",
    "ada",
    "ada@",
    "@example.com",
    "a@b",
    "a@@b.com",
    "a@b@c.com",
    "a b@c.com",
    ".a@b.com",
    "a.@b.com",
    "a..b@c.com",
    "a@-b.com",
    "a@b-.com",
    "a@b..com",
    "a@.b.com",
    "a@b.c",
    "a@b.com.",
    "a@b.123",
    "a@b.c0m",  # a top-level domain is letters
    "ada.example.com",
    "Ada <ada@example.com>",
    "ada@example.com, bob@example.com",
    "ada@[192.0.2.1]",
    '"ada"@example.com',
    '"ada lovelace"@example.com',
    "ada@localhost",
    "ada@printer.local",
    "ada@example.test",
    "ada@site.invalid",
    "ada@hidden.onion",
    "ada@1.0.0.127.in-addr.arpa",
    "ada@xn--zz.com",
    "x" * 65 + "@example.com",
    "a@" + "b" * 64 + ".com",
    "a@" + ".".join(["b" * 60] * 5) + ".com",
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".comm",  # 255 characters in all
    "a" * 64 + "@" + ".".join(["b" * 61] * 3) + ".éé",  # 253 characters, 258 in IDNA
    "josé@b",
    "josé@-b.com",
    "josé..x@example.com",
    "josé@b.c",
    "zoë@localhost",
    "ada\u200b@example.com",  # zero-width space
    "ada\u202e@example.com",  # right-to-left override
    "\u0301ada@example.com",  # a combining mark first
    "ada\u3000x@example.com",  # ideographic space
    "ada\u2028@example.com",  # line separator
    "ada@exa mple.com",
    "ada@example.com\n",
    "ada@ex_ample.com",
]


@pytest.mark.parametrize("address", VALID)
def test_a_valid_address_is_accepted_by_the_full_check_and_parse_email(address):
    assert full_email_check(address)
    assert parse_email(address) == address


@pytest.mark.parametrize("address", INVALID)
def test_an_invalid_address_is_refused_by_both_checks(address):
    assert not full_email_check(address)
    assert not common_email(address)
    with pytest.raises(ValueError, match="is not a valid email address"):
        parse_email(address)


def test_the_shortcut_decides_the_common_addresses_itself():
    common = [a for a in VALID if a.split("@")[1].isascii() and "xn--" not in a and len(a.split("@")[0]) <= 64]
    assert common and all(common_email(address) for address in common)
    assert not common_email("ada@xn--bcher-kva.de")  # IDNA: the full check decides
    assert not common_email("user@bücher.de")


# Pieces that are sometimes allowed and sometimes not, so that generated strings fall on
# both sides of the rule (about one in eight is valid).
LOCAL_PIECES = ["ada", "x", "Lovelace", "9", "é", "ü", "Δ", "用", "ß", "ǅ", ".", "-", "+", "_", "'", "~", "..",
                " ", '"', "\\", "(", ",", "@", "\u0301", "\u200b", "\u3000", "\u00a0", "\ufeff", "a" * 30]
LABEL_PIECES = ["example", "b", "x-y", "-", "é", "_", " ", "1", "b" * 30, "xn--", "ü"]
TLDS = ["com", "co", "uk", "c", "c0m", "123", "local", "test", "xn--p1ai", "DE", "онлайн", ""]


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    """Address-like strings: a local part, an @, labels and a top-level domain."""
    local = "".join(draw(st.lists(st.sampled_from(LOCAL_PIECES), min_size=1, max_size=5)))
    labels = ["".join(label) for label in
              draw(st.lists(st.lists(st.sampled_from(LABEL_PIECES), min_size=1, max_size=3), max_size=3))]
    return f"{local}@{'.'.join([*labels, draw(st.sampled_from(TLDS))])}"


@settings(max_examples=1500, derandomize=True, database=None, deadline=None)
@given(near_misses())
def test_whatever_the_shortcut_accepts_the_full_check_accepts(address):
    if common_email(address):
        assert full_email_check(address), address
    assert (parse_email_accepts(address)) == full_email_check(address)


def parse_email_accepts(address: str) -> bool:
    try:
        parse_email(address)
    except ValueError:
        return False
    return True
