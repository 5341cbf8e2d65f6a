"""NIK detection and masking in typed text, plain transcripts and Vosk word lists.

A NIK (Nomor Induk Kependudukan) is the 16-digit national ID number printed on the
KTP-el and the family card (KK). Pages show it masked unless a permitted user unmasks
it.

What is recognised:

- Numerals: 16 digits in one word ("1471021234560001"), or digit groups separated by
  spaces, dots, dashes or commas ("1471 0212 3456 0001", "14.71.02.123456.0001").
  Digit groups that touch with only a space form one run, so 15 or 17 digits grouped
  that way are not a NIK. A word of more than 16 digits is never a NIK.
- Indonesian number words, read digit by digit ("satu empat tujuh satu"), with "nol" or
  "kosong" for 0 and "lapan" (Riau Malay) for 8, or in groups: "sebelas" = 11,
  "dua belas" = 12, "tujuh puluh satu" = 71, "seratus dua puluh tiga" = 123.
- Numerals and number words mixed, and filler words between groups ("NIK saya", "eh",
  "ya", "titik", commas), at most four filler words in a row.

Fillers split a run of groups into pieces. Consecutive pieces are a NIK when they
contain exactly 16 digits and the first digit is not 0. A NIK opens with its province
code, 11 to 94 in python-stdnum's id/loc.dat, while a mobile number written the
domestic way opens with 08, so the first digit separates the two.

What is never part of a NIK, and ends a run:

- A number with "ribu", "juta", "miliar" or "triliun" ("dua ribu dua puluh empat",
  "dua ribu rupiah"), because a NIK is always read without thousands, so these are
  years and amounts.
- Numbers after "+" or "plus" (phone numbers in international form, which E.164
  limits to 15 digits), up to the next word or mark other than a dash or a dot.
- Any other word ("NIK", "hp", "tanggal", "rupiah", "tahun"), so digits read before
  "NIK saya" never combine with the NIK that follows.

Known limits: the place and birth-date parts are not checked, so a NIK with a
misrecognised digit is still masked. Every 16-digit number starting with 1-9 is
masked, including a KK number or a bank card number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NIK_LENGTH = 16

MASK_CHARACTER = "•"

# Filler words people put before or between digit groups. A run ends after more than
# MAX_FILLER_WORDS of them in a row.
FILLER_WORDS = frozenset(
    "adalah aku eh ee ehm em emm hmm ini itu iya koma ku lalu nomer nomor no nya saya"
    " spasi strip terus titik ya yaitu yah".split()
)
MAX_FILLER_WORDS = 4

# Punctuation between digit groups. It splits pieces but does not count as a filler
# word. A newline token comes from text split by TEXT_TOKEN_PATTERN.
SEPARATOR_MARKS = frozenset({",", ".", "-", ":", ";", "\n"})
# Marks that may stand inside a phone number ("0812-3456-7890"); any other word or mark
# ends it.
PHONE_SEPARATOR_MARKS = frozenset({".", "-"})
PHONE_PREFIXES = frozenset({"+", "plus"})

ZERO_WORDS = frozenset({"nol", "kosong"})
DIGIT_WORDS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "lapan": 8,
    "sembilan": 9,
}
TEEN_WORDS = {"sepuluh": 10, "sebelas": 11}
MAGNITUDE_WORDS = frozenset({"ribu", "juta", "miliar", "milyar", "triliun"})
AMOUNT_START_WORDS = frozenset({"seribu", "sejuta", "semiliar", "setriliun"})

# A numeral word, optionally with dots or dashes inside ("1471-0212").
NUMERAL_PATTERN = re.compile(r"[0-9]+(?:[.\-][0-9]+)*")
# Tokens of plain text: a newline, a plus sign, a digit run, a letter run, or one other
# visible character.
TEXT_TOKEN_PATTERN = re.compile(r"\n|\+|[0-9]+|[^\W\d_]+|[^\w\s]")
# A typed NIK that is masked in place: digits and the separators between its groups.
TYPED_NIK_PATTERN = re.compile(r"[0-9 .,\-]+")


@dataclass(frozen=True)
class NikSpan:
    """A NIK found in a word list (word indices) or in text (character offsets)."""

    start: int
    end: int  # exclusive
    digits: str


@dataclass(frozen=True)
class _Group:
    """Consecutive tokens that read one number, such as "tujuh puluh satu" or "1471"."""

    start: int
    end: int
    digits: str
    amount: bool = False


@dataclass
class _Run:
    """Groups read one after another, split into pieces wherever a filler is."""

    phone: bool = False
    pieces: list[_Group] = field(default_factory=list)
    piece_open: bool = False
    filler_words: int = 0

    def add_group(self, group: _Group) -> None:
        if self.piece_open:
            last = self.pieces[-1]
            group = _Group(last.start, group.end, last.digits + group.digits)
            self.pieces[-1] = group
        else:
            self.pieces.append(group)

        self.piece_open = True
        self.filler_words = 0

    def add_filler(self, counted: bool) -> bool:
        """Record a filler and return False once too many filler words are in a row."""
        self.piece_open = False
        if counted:
            self.filler_words += 1

        return self.filler_words <= MAX_FILLER_WORDS

    def close(self) -> list[NikSpan]:
        """Combine consecutive pieces, left to right, into 16-digit NIKs."""
        if self.phone:
            return []

        spans: list[NikSpan] = []
        first = 0
        while first < len(self.pieces):
            digits = ""
            last = first
            while last < len(self.pieces) and len(digits) < NIK_LENGTH:
                digits += self.pieces[last].digits
                last += 1

            if _is_nik(digits):
                end = self.pieces[last - 1].end
                spans.append(NikSpan(self.pieces[first].start, end, digits))
                first = last
            else:
                first += 1

        return spans


def expand_number_words(tokens: list[str]) -> str | None:
    """Return the digits that tokens read, or None if any token reads no digit.

    Tokens are number words or numerals, and a filler word gives None. A number with
    "ribu" or larger is an amount or a year, not a digit string, so it gives None too.
    """
    words = [_normalize_word(token) for token in tokens]
    digits = ""
    index = 0
    while index < len(words):
        group = _parse_group(words, index)
        if group is None or group.amount:
            return None

        digits += group.digits
        index = group.end

    return digits or None


def find_nik_in_words(words: list[str]) -> list[NikSpan]:
    """Find NIKs in a word list, such as the words of a Vosk result."""
    tokens = [_normalize_word(word) for word in words]
    spans: list[NikSpan] = []
    run = _Run()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in PHONE_PREFIXES or words[index].lstrip().startswith("+"):
            spans += run.close()
            run = _Run(phone=True)

        if token in PHONE_PREFIXES:
            index += 1
            continue

        group = _parse_group(tokens, index)
        if group is None:
            run = _handle_non_number(token, run, spans)
            index += 1
            continue

        if group.amount or len(group.digits) > NIK_LENGTH:
            spans += run.close()
            run = _Run()
        elif len(group.digits) == NIK_LENGTH and not _follows_plus(tokens, index):
            # A 16-digit numeral is a NIK on its own, whatever digits are next to it.
            spans += run.close()
            spans += _Run(pieces=[group]).close()
            run = _Run()
        else:
            run.add_group(group)

        index = group.end

    return spans + run.close()


def find_nik_in_text(text: str) -> list[NikSpan]:
    """Find typed and spoken NIKs in text, with character offsets as span bounds."""
    matches = list(TEXT_TOKEN_PATTERN.finditer(text))
    spans = find_nik_in_words([match.group() for match in matches])
    return [
        NikSpan(matches[span.start].start(), matches[span.end - 1].end(), span.digits)
        for span in spans
    ]


def mask_text(text: str, keep_last: int = 4) -> str:
    """Mask every NIK in text, keeping its last keep_last digits.

    A typed NIK keeps its layout with each hidden digit replaced by "•". A NIK in
    number words is replaced whole by "[NIK ••••••••••••0001]".
    """
    _check_keep_last(keep_last)
    masked = text
    for span in reversed(find_nik_in_text(text)):
        original = text[span.start : span.end]
        if TYPED_NIK_PATTERN.fullmatch(original):
            replacement = _mask_typed(original, keep_last)
        else:
            replacement = _nik_label(span.digits, keep_last)

        masked = masked[: span.start] + replacement + masked[span.end :]

    return masked


def mask_words(words: list[dict[str, Any]], keep_last: int = 4) -> list[dict[str, Any]]:
    """Return a copy of Vosk words with each NIK replaced by one label word.

    The label keeps the start of the first word of the NIK and takes the end of its
    last word and the lowest conf among its words. The other words of the NIK are
    dropped.
    """
    _check_keep_last(keep_last)
    masked = [dict(word) for word in words]
    for span in reversed(find_nik_in_words([str(word["word"]) for word in words])):
        covered = words[span.start : span.end]
        label = dict(covered[0])
        label["word"] = _nik_label(span.digits, keep_last)
        if "end" in covered[-1]:
            label["end"] = covered[-1]["end"]

        confidences = [word["conf"] for word in covered if "conf" in word]
        if confidences:
            label["conf"] = min(confidences)

        masked[span.start : span.end] = [label]

    return masked


def _handle_non_number(token: str, run: _Run, spans: list[NikSpan]) -> _Run:
    """Apply a word that reads no number to run, and return the run that continues."""
    if run.phone and token not in PHONE_SEPARATOR_MARKS:
        run = _Run()  # the phone number ends here and its digits are dropped

    if token in SEPARATOR_MARKS or token in FILLER_WORDS:
        if run.add_filler(counted=token in FILLER_WORDS):
            return run

    spans += run.close()
    return _Run()


def _parse_group(tokens: list[str], index: int) -> _Group | None:
    """Read the number that starts at tokens[index], or return None if there is none."""
    token = tokens[index]
    if NUMERAL_PATTERN.fullmatch(token):
        group = _Group(index, index + 1, re.sub(r"[.\-]", "", token))
        return _extend_amount(tokens, group)

    if token in ZERO_WORDS:
        return _Group(index, index + 1, "0")

    if token in AMOUNT_START_WORDS:
        return _extend_amount(tokens, _Group(index, index, "", amount=True))

    value, end = _parse_below_thousand(tokens, index)
    if end == index:
        return None

    return _extend_amount(tokens, _Group(index, end, str(value)))


def _parse_below_thousand(tokens: list[str], index: int) -> tuple[int, int]:
    """Read a number below 1000 in words; return its value and the index after it.

    NOTE: the reading is greedy, so "dua puluh satu" is always 21 and never 20 then 1,
    and "seratus dua" is 102. A speaker who means 20 then 1 loses a digit, and the NIK
    is missed because the run no longer contains 16 digits.
    """
    value = 0
    position = index
    if _token_at(tokens, position) == "seratus":
        value, position = 100, position + 1
    elif _token_at(tokens, position + 1) == "ratus":
        hundreds = DIGIT_WORDS.get(_token_at(tokens, position), 0)
        if hundreds:
            value, position = 100 * hundreds, position + 2

    word = _token_at(tokens, position)
    following = _token_at(tokens, position + 1)
    digit = DIGIT_WORDS.get(word, 0)
    if word in TEEN_WORDS:
        return value + TEEN_WORDS[word], position + 1

    if digit and following == "belas":
        return value + 10 + digit, position + 2

    if digit and following == "puluh":
        value, position = value + 10 * digit, position + 2
        unit = DIGIT_WORDS.get(_token_at(tokens, position), 0)
        if unit and _token_at(tokens, position + 1) not in {"belas", "puluh", "ratus"}:
            return value + unit, position + 1

        return value, position

    if digit and following != "ratus":
        return value + digit, position + 1

    return value, position


def _extend_amount(tokens: list[str], group: _Group) -> _Group:
    """Swallow "ribu", "juta" and the rest of the amount after group, if any follow."""
    end = group.end
    if not group.amount and _token_at(tokens, end) not in MAGNITUDE_WORDS:
        return group

    if group.amount:
        # Skip the "seribu" or "sejuta" that opens the amount and the hundreds after it.
        _, end = _parse_below_thousand(tokens, end + 1)

    while _token_at(tokens, end) in MAGNITUDE_WORDS:
        end += 1
        _, after = _parse_below_thousand(tokens, end)
        end = after

    return _Group(group.start, end, "", amount=True)


def _normalize_word(word: str) -> str:
    """Lowercase a word and strip the punctuation around it, but keep a lone mark."""
    stripped = word.strip(" \t").lower()
    core = stripped.strip("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…")
    return core or stripped


def _follows_plus(tokens: list[str], index: int) -> bool:
    return index > 0 and tokens[index - 1] in PHONE_PREFIXES


def _token_at(tokens: list[str], index: int) -> str:
    return tokens[index] if index < len(tokens) else ""


def _is_nik(digits: str) -> bool:
    return len(digits) == NIK_LENGTH and digits.isdigit() and digits[0] != "0"


def _check_keep_last(keep_last: int) -> None:
    if not 0 <= keep_last <= NIK_LENGTH:
        raise ValueError(
            f"keep_last must be between 0 and {NIK_LENGTH} digits, got {keep_last}."
        )


def _masked_digits(digits: str, keep_last: int) -> str:
    hidden = len(digits) - keep_last
    return MASK_CHARACTER * hidden + digits[hidden:]


def _nik_label(digits: str, keep_last: int) -> str:
    return f"[NIK {_masked_digits(digits, keep_last)}]"


def _mask_typed(original: str, keep_last: int) -> str:
    """Replace all but the last keep_last digits of a typed NIK, keeping separators."""
    hidden = sum(character.isdigit() for character in original) - keep_last
    characters: list[str] = []
    for character in original:
        if character.isdigit() and hidden > 0:
            character = MASK_CHARACTER
            hidden -= 1

        characters.append(character)

    return "".join(characters)
