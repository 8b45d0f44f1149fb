"""Which text encoding a CSV file is in, and how sure that is.

A byte-order mark wins (UTF-8, UTF-16 LE/BE); a file that is valid UTF-8 throughout is
UTF-8; anything else is one of the single-byte encodings spreadsheets write: among those
that decode every byte the file holds, the ones whose reading of a bounded sample of its
non-ASCII lines charset-normalizer's mess detector (`charset_normalizer.md.mess_ratio`, a
documented interface; the version is pinned) finds cleanest. Its `from_bytes` is not used:
on the few lines a client list has, its chunked sampling skips candidates. Memory does not
grow with the file; the same file always gets the same answer.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

from charset_normalizer.md import mess_ratio

from domain.files.sources import FileSource, open_bytes

BLOCK = 1024 * 1024  # bytes read at a time
HEAD = 64 * 1024  # bytes looked at for the line ends
SAMPLE_BYTES = 64 * 1024  # at most this much of the file's non-ASCII lines goes to the detector
SNIPPET = 160  # bytes kept around the first non-ASCII byte of a line
NO_FIT = 0.1  # a reading with more "mess" than this (charset-normalizer's chaos, 0..1) does not fit
MARGIN = 0.02  # readings within this much mess of the best one fit as well

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# The single-byte encodings spreadsheets write, most likely first (the order breaks ties).
SINGLE_BYTE = ("cp1252", "latin-1", "iso8859_15", "cp1250", "mac_roman", "cp1251", "cp850", "cp437")
NAMES = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)", "iso8859_15": "Latin-9 (ISO-8859-15)",
    "cp1250": "Windows-1250 (Central European)", "mac_roman": "Mac Roman",
    "cp1251": "Windows-1251 (Cyrillic)", "cp850": "DOS Latin-1 (code page 850)", "cp437": "DOS (code page 437)",
}
UNICODE = frozenset({"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
# Text codecs Python has that no spreadsheet writes a file in.
NOT_FOR_FILES = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"})
_ASCII = bytes(range(128))
_HIGH = re.compile(rb"[\x80-\xff]")
_LONE_CR = re.compile(rb"\r(?!\n)")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class EncodingGuess:
    """The encoding to read a file with (a Python codec name), and how it was decided.

    `how`: "bom" (a byte-order mark), "ascii" (no byte above 127), "utf-8" (valid UTF-8),
    "detected" (charset-normalizer's pick among the single-byte encodings) or "chosen" (given
    by the person). `confidence` is 1.0 for the first three; `unsure` when another encoding
    that fits reads the file differently (`others`); `sample` is a line with non-ASCII text as
    read; `mac_line_ends` when lines end with a lone CR, as Excel for Mac writes them."""

    encoding: str
    how: str
    confidence: float = 1.0
    unsure: bool = False
    sample: str | None = None
    others: tuple[str, ...] = field(default=())
    mac_line_ends: bool = False

    @property
    def is_unicode(self) -> bool:
        return self.encoding in UNICODE

    @property
    def name(self) -> str:
        return NAMES.get(self.encoding, self.encoding)


def codec_name(name: str) -> str:
    """The codec name stored for an encoding a person gave ("windows-1252" -> "cp1252",
    "macintosh" -> "mac_roman"); ValueError, in words, for a name that is not a text encoding."""
    try:
        info = codecs.lookup(name.strip())
        "a".encode(info.name)  # refuses codecs that are not text encodings (base64, rot13...)
        if info.name in NOT_FOR_FILES:
            raise LookupError(name)
    except LookupError:
        raise ValueError(f"{name!r} is not an encoding this service knows; use a name such as utf-8, "
                         "windows-1252, mac_roman, latin-1 or utf-16") from None
    known = {codecs.lookup(known).name: known for known in (*SINGLE_BYTE, "utf-8", "utf-8-sig", "utf-16")}
    return known.get(info.name, info.name)


def detect_encoding(path: FileSource) -> EncodingGuess:
    """BOM, else UTF-8 when the whole file decodes as UTF-8, else the detector's pick."""
    with open_bytes(path) as file:
        head = file.read(HEAD)
    for bom, name in BOMS:
        if head.startswith(bom):
            return EncodingGuess(name, "bom")
    scan = _scan(path)
    if scan.is_utf8:
        return EncodingGuess("utf-8", "utf-8" if scan.high_bytes else "ascii", sample=_sample(scan.snippets, "utf-8"))
    return _single_byte(scan, mac_line_ends=_mac_line_ends(head))


def given_encoding(path: FileSource, name: str) -> EncodingGuess:
    """The encoding a person chose, with a sample read with it; ValueError when the start of
    the file is not text in that encoding."""
    encoding = codec_name(name)
    with open_bytes(path) as file:
        head = file.read(HEAD)
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError as error:
        raise ValueError(f"the file is not {NAMES.get(encoding, encoding)} text (byte {error.start + 1:,} "
                         "cannot be read with it); leave the encoding out to detect it, or choose another") from None
    snippets = _snippets(head, SAMPLE_BYTES) if encoding not in UNICODE or encoding.startswith("utf-8") else []
    return EncodingGuess(encoding, "chosen", sample=_sample(b"\n".join(snippets), encoding),
                         mac_line_ends=_mac_line_ends(head))


@dataclass
class _Scan:
    is_utf8: bool
    high_bytes: frozenset[int]  # every byte value above 127 the file holds
    snippets: bytes  # pieces of the lines holding them, up to SAMPLE_BYTES


def _scan(path: FileSource) -> _Scan:
    """One pass over the file: valid UTF-8?, which high bytes, and a sample of their lines."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen: set[int] = set()
    snippets: list[bytes] = []
    is_utf8, budget = True, SAMPLE_BYTES
    with open_bytes(path) as file:
        for block in iter(lambda: file.read(BLOCK), b""):
            if is_utf8:
                is_utf8 = _decodes(decoder, block, final=False)
            if not block.translate(None, _ASCII):
                continue
            seen.update(value for value in range(128, 256) if value not in seen and bytes((value,)) in block)
            if budget > 0:
                found = _snippets(block, budget)
                snippets += found
                budget -= sum(len(piece) + 1 for piece in found)
    is_utf8 = is_utf8 and _decodes(decoder, b"", final=True)
    return _Scan(is_utf8, frozenset(seen), b"\n".join(snippets))


def _decodes(decoder: codecs.IncrementalDecoder, block: bytes, *, final: bool) -> bool:
    """Whether the decoder accepts the block (it remembers a sequence cut between blocks)."""
    try:
        decoder.decode(block, final)
    except UnicodeDecodeError:
        return False
    return True


def _snippets(block: bytes, budget: int) -> list[bytes]:
    """Up to `budget` bytes of the block's lines that hold non-ASCII bytes, each cut to
    SNIPPET bytes around its first one."""
    found: list[bytes] = []
    for line in block.splitlines():
        high = _HIGH.search(line)
        if high is None:
            continue
        start = max(0, high.start() - SNIPPET // 3)
        piece = line[start:start + SNIPPET]
        budget -= len(piece) + 1
        if budget < 0:
            break
        found.append(piece)
    return found


def _mac_line_ends(head: bytes) -> bool:
    """Lines end with a lone CR (Excel for Mac's CSV), not LF or CRLF."""
    lone = len(_LONE_CR.findall(head))
    return lone > 0 and lone > head.count(b"\n")


@dataclass(frozen=True)
class _Reading:
    encoding: str
    chaos: float  # charset-normalizer's mess ratio of the sample read this way (0: clean)
    text: str


def _single_byte(scan: _Scan, *, mac_line_ends: bool) -> EncodingGuess:
    """The pick among the single-byte encodings that decode every byte of the file: those whose
    reading of the sample is least messy fit (a reading that mixes alphabets or letter cases
    inside a word does not); ties go to Mac Roman when lines end with a lone CR, else to the
    more common encoding (Windows-1252 before Latin-1...)."""
    readings = _readings(scan)
    best = min((reading.chaos for reading in readings), default=1.0)
    fitting = [reading for reading in readings if reading.chaos <= min(NO_FIT, best + MARGIN)
               and not _implausible(reading.text)]
    if not fitting:  # nothing reads well: Latin-1 keeps every byte as the character of the same number
        return EncodingGuess("latin-1", "detected", confidence=0.3, unsure=True,
                             sample=_sample(scan.snippets, "latin-1"), mac_line_ends=mac_line_ends)
    preferred = ("mac_roman",) if mac_line_ends else ()
    chosen = min(fitting, key=lambda reading: (reading.encoding not in preferred, SINGLE_BYTE.index(reading.encoding)))
    others = tuple(reading.encoding for reading in fitting if reading.text != chosen.text)
    decided_by_line_ends = bool(others) and chosen.encoding in preferred
    confidence = 0.8 if decided_by_line_ends else 0.5 if others else round(1 - chosen.chaos, 2)
    return EncodingGuess(chosen.encoding, "detected", confidence=confidence,
                         unsure=bool(others) and not decided_by_line_ends,
                         sample=_sample(scan.snippets, chosen.encoding), others=others, mac_line_ends=mac_line_ends)


def _readings(scan: _Scan) -> list[_Reading]:
    """The sample read by each single-byte encoding that can decode every byte of the file,
    with charset-normalizer's measure of how messy that reading is."""
    high = bytes(sorted(scan.high_bytes))
    readings = []
    for encoding in SINGLE_BYTE:
        if _can_decode(high, encoding):
            text = scan.snippets.decode(encoding)
            readings.append(_Reading(encoding, mess_ratio(text, maximum_threshold=1.0), text))
    return readings


def _implausible(text: str) -> bool:
    """A word mixes alphabets (Latin and Cyrillic: "Cafй"), or has an accented capital inside a
    word in small letters ("MŸller"), or an accented small letter in a word in capitals
    ("ìVIPî"): what reading a file with the wrong encoding gives, not what people write."""
    return any(_odd_word(word) for word in _WORD.findall(text) if not word.isascii())


def _odd_word(word: str) -> bool:
    scripts = {unicodedata.name(char, "?").split(" ")[0] for char in word}
    if len(scripts) > 1:
        return True
    accented = [(i, char) for i, char in enumerate(word) if not char.isascii()]
    plain = [char for char in word if char.isascii()]
    if any(char.isupper() and i > 0 for i, char in accented) and any(char.islower() for char in plain):
        return True
    return (len(plain) >= 2 and all(char.isupper() for char in plain)
            and any(char.islower() for _, char in accented))


def _can_decode(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _sample(snippets: bytes, encoding: str) -> str | None:
    """The first sampled line with non-ASCII text, as read with `encoding` (at most 80 characters)."""
    for piece in snippets.split(b"\n"):
        text = piece.decode(encoding, errors="replace").strip()
        first = next((i for i, char in enumerate(text) if ord(char) > 127), None)
        if first is not None:
            start = 0 if len(text) <= 80 else max(0, first - 30)
            return ("…" if start else "") + text[start:start + 80]
    return None
