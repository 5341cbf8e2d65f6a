"""NIK detection and masking in typed text, plain transcripts and Vosk word lists."""

from __future__ import annotations

from typing import Any

import pytest

from tickets.nik import (
    NikSpan,
    expand_number_words,
    find_nik_in_text,
    find_nik_in_words,
    mask_text,
    mask_words,
)

NIK = "1471021234560001"
SECOND_NIK = "1471055507900002"
LABEL = "[NIK ••••••••••••0001]"
SECOND_LABEL = "[NIK ••••••••••••0002]"

# NIK read digit by digit, as Vosk writes it: lowercase words, no punctuation.
SPOKEN_NIK = (
    "satu empat tujuh satu nol dua satu dua tiga empat lima enam nol nol nol satu"
)
SPOKEN_SECOND_NIK = (
    "satu empat tujuh satu nol lima lima lima nol tujuh sembilan nol nol nol nol dua"
)


def vosk_words(transcript: str) -> list[dict[str, Any]]:
    """Build a Vosk word list with 0.5 s words and a distinct conf for each word."""
    return [
        {
            "word": word,
            "start": round(0.5 * index, 2),
            "end": round(0.5 * index + 0.4, 2),
            "conf": round(0.99 - 0.01 * index, 2),
        }
        for index, word in enumerate(transcript.split())
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "1471021234560001",
        "1471 0212 3456 0001",
        "14.71.02.123456.0001",
        "1471-0212-3456-0001",
        "147102 123456 0001",
        "1471 - 0212 - 3456 - 0001",
    ],
)
def test_typed_nik_in_groupings(typed: str) -> None:
    text = f"NIK: {typed}."

    spans = find_nik_in_text(text)

    assert spans == [NikSpan(5, 5 + len(typed), NIK)]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Selamat pagi pak, NIK saya 1471 0212 3456 0001, KTP-el belum jadi.",
            "Selamat pagi pak, NIK saya •••• •••• •••• 0001, KTP-el belum jadi.",
        ),
        (
            "nik:1471021234560001 hp 081234567890",
            "nik:••••••••••••0001 hp 081234567890",
        ),
        (
            "hp 081234567890 1471021234560001",
            "hp 081234567890 ••••••••••••0001",
        ),
        (
            "WA +62 812 3456 7890, NIK 1471 0212 3456 0001",
            "WA +62 812 3456 7890, NIK •••• •••• •••• 0001",
        ),
        (
            "WA +62 812-3456-7890, 1471 0212 3456 0001",
            "WA +62 812-3456-7890, •••• •••• •••• 0001",
        ),
        (
            "Ini NIK anak saya\n14.71.02.123456.0001\nmohon dicek",
            "Ini NIK anak saya\n••.••.••.••••••.0001\nmohon dicek",
        ),
    ],
)
def test_whatsapp_message_masks_nik_only(message: str, expected: str) -> None:
    assert mask_text(message) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NIK 147102123456001",
        "NIK 14710212345600017",
        "NIK 1471 0212 3456 00017",
        "NIK 1471 0212 3456 0001 7",
        "NIK 147 0212 3456 0001",
        "NIK 14.71.02.123456.00017",
        "NIK 147102123456000171471021234560001",
    ],
    ids=[
        "15-plain",
        "17-plain",
        "17-grouped",
        "17-trailing-group",
        "15-grouped",
        "17-dotted",
        "long-run",
    ],
)
def test_digit_runs_not_sixteen_are_untouched(text: str) -> None:
    assert find_nik_in_text(text) == []
    assert mask_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Hubungi saya di +62 812 3456 7890",
        "WA +6281234567890 ya",
        "hp 0812-3456-7890",
        "no hp 081234567890",
        "hp 0812 3456 7890 1234",
        "telepon +62 812 3456 7890 123",
        "wa plus enam dua delapan satu dua tiga empat lima enam tujuh delapan "
        "sembilan nol satu dua tiga",
        "nomor saya nol delapan satu dua tiga empat lima enam tujuh delapan "
        "sembilan nol",
    ],
    ids=[
        "international-grouped",
        "international-plain",
        "dashed",
        "plain",
        "sixteen-starting-with-zero",
        "sixteen-after-plus",
        "spoken-plus",
        "spoken",
    ],
)
def test_phone_numbers_are_untouched(text: str) -> None:
    assert find_nik_in_text(text) == []
    assert mask_text(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "biayanya dua ribu rupiah",
        "tanggal dua belas maret dua ribu dua puluh empat",
        "saya bayar Rp 2.000.000 tanggal 12-03-2024",
        "satu dua tiga empat lima enam tujuh delapan dua ribu nol dua tiga empat "
        "lima enam tujuh delapan",
        "seribu sembilan ratus nol satu dua tiga empat lima enam tujuh delapan "
        "sembilan satu dua tiga",
        "lahir tahun seribu sembilan ratus delapan puluh tujuh",
        "satu empat tujuh satu nol dua satu dua tiga empat lima enam nol nol "
        "dua puluh ribu rupiah",
    ],
    ids=[
        "amount",
        "spoken-date",
        "typed-amount-and-date",
        "split-by-ribu",
        "hundreds-after-seribu",
        "year",
        "digits-before-amount",
    ],
)
def test_dates_and_amounts_are_untouched(text: str) -> None:
    assert find_nik_in_text(text) == []


@pytest.mark.parametrize(
    ("transcript", "digits"),
    [
        (SPOKEN_NIK, NIK),
        (SPOKEN_NIK.replace("nol", "kosong"), NIK),
        (
            "satu empat tujuh satu kosong dua satu dua tiga empat lima enam nol kosong "
            "nol satu",
            NIK,
        ),
        (SPOKEN_NIK.replace("nol dua", "nol 2"), NIK),
        ("1471 nol dua satu dua tiga empat lima enam nol nol nol satu", NIK),
        (
            "satu empat tujuh satu nol dua satu dua tiga empat lima enam nol nol nol "
            "lapan",
            "1471021234560008",
        ),
    ],
    ids=["nol", "kosong", "nol-and-kosong", "numeral-digit", "numeral-group", "lapan"],
)
def test_spoken_digit_by_digit(transcript: str, digits: str) -> None:
    words = transcript.split()

    spans = find_nik_in_words(words)

    assert spans == [NikSpan(0, len(words), digits)]


@pytest.mark.parametrize(
    ("reading", "digits"),
    [
        ("satu", "1"),
        ("nol", "0"),
        ("kosong", "0"),
        ("sepuluh", "10"),
        ("sebelas", "11"),
        ("dua belas", "12"),
        ("empat belas", "14"),
        ("tujuh puluh", "70"),
        ("tujuh puluh satu", "71"),
        ("empat belas tujuh puluh satu", "1471"),
        ("seratus", "100"),
        ("seratus dua", "102"),
        ("seratus dua puluh tiga", "123"),
        ("seratus dua ratus", "100200"),
        ("dua ratus tiga puluh empat", "234"),
        ("empat ratus lima puluh enam nol nol nol satu", "4560001"),
        ("dua puluh dua belas", "2012"),
        ("satu dua 3 4", "1234"),
        ("Satu, Dua.", "12"),
        ("1471-0212", "14710212"),
    ],
)
def test_expand_number_words_reads_groups(reading: str, digits: str) -> None:
    assert expand_number_words(reading.split()) == digits


@pytest.mark.parametrize(
    "reading",
    [
        "",
        "dua ribu",
        "seribu dua ratus",
        "satu juta",
        "satu dua ya tiga",
        "belas",
        "rupiah",
    ],
    ids=["empty", "ribu", "seribu", "juta", "filler", "lone-belas", "other-word"],
)
def test_expand_number_words_rejects_non_digits(reading: str) -> None:
    assert expand_number_words(reading.split()) is None


@pytest.mark.parametrize(
    "transcript",
    [
        "empat belas tujuh puluh satu nol dua dua belas tiga puluh empat "
        "lima puluh enam nol nol nol satu",
        "empat belas tujuh puluh satu nol dua seratus dua puluh tiga empat lima enam "
        "kosong kosong kosong satu",
        "satu empat tujuh satu nol dua seratus dua puluh tiga empat lima enam "
        "nol nol nol satu",
    ],
    ids=["pairs", "pairs-and-hundreds", "digits-and-hundreds"],
)
def test_spoken_grouped_readings(transcript: str) -> None:
    words = transcript.split()

    spans = find_nik_in_words(words)

    assert spans == [NikSpan(0, len(words), NIK)]


@pytest.mark.parametrize(
    ("transcript", "start", "end"),
    [
        (f"nomor nik saya {SPOKEN_NIK} terima kasih", 3, 19),
        (
            "satu empat tujuh satu eh nol dua satu dua ya tiga empat lima enam "
            "nol nol nol satu",
            0,
            18,
        ),
        (
            "empat belas, tujuh puluh satu, nol dua, dua belas, tiga puluh empat, "
            "lima puluh enam, nol nol nol satu",
            0,
            25,
        ),
        (
            "satu empat tujuh satu titik nol dua titik satu dua tiga empat lima enam "
            "titik nol nol nol satu",
            0,
            19,
        ),
        (
            "hp saya nol delapan satu dua tiga empat lima enam tujuh delapan sembilan "
            f"nol terus nik saya {SPOKEN_NIK}",
            17,
            33,
        ),
    ],
    ids=["before-and-after", "eh-and-ya", "commas", "titik", "phone-before"],
)
def test_nik_split_by_fillers(transcript: str, start: int, end: int) -> None:
    words = transcript.replace(",", " ,").split()

    spans = find_nik_in_words(words)

    assert spans == [NikSpan(start, end, NIK)]


def test_too_many_fillers_end_run() -> None:
    words = "satu empat tujuh satu eh ya eh ya eh nol dua satu dua tiga".split()
    words += "empat lima enam nol nol nol satu".split()

    assert find_nik_in_words(words) == []


def test_nik_starting_with_zero_is_untouched() -> None:
    words = SPOKEN_NIK.replace("satu", "nol", 1).split()

    assert expand_number_words(words) == "0" + NIK[1:]
    assert find_nik_in_words(words) == []


@pytest.mark.parametrize(
    "transcript",
    [
        f"nik saya {SPOKEN_NIK} dan nik istri saya {SPOKEN_SECOND_NIK}",
        f"nik saya {SPOKEN_NIK} eh {SPOKEN_SECOND_NIK}",
        f"{SPOKEN_NIK} nik {SPOKEN_SECOND_NIK}",
    ],
    ids=["separate-sentences", "filler-between", "nik-between"],
)
def test_two_niks_in_one_transcript(transcript: str) -> None:
    spans = find_nik_in_words(transcript.split())

    assert [span.digits for span in spans] == [NIK, SECOND_NIK]
    assert spans[0].end - spans[0].start == 16
    assert spans[1].end - spans[1].start == 16


def test_two_niks_masked_in_text() -> None:
    text = f"nik saya {SPOKEN_NIK} dan nik istri saya {SPOKEN_SECOND_NIK} ya"

    masked = mask_text(text)

    assert masked == f"nik saya {LABEL} dan nik istri saya {SECOND_LABEL} ya"


def test_spoken_nik_found_in_plain_text() -> None:
    text = f"halo nik saya {SPOKEN_NIK} terima kasih"

    spans = find_nik_in_text(text)

    assert spans == [NikSpan(14, 14 + len(SPOKEN_NIK), NIK)]


def test_mask_words_keeps_timings() -> None:
    words = vosk_words(f"nik saya {SPOKEN_NIK} terima kasih")

    masked = mask_words(words)

    assert [word["word"] for word in masked] == [
        "nik",
        "saya",
        LABEL,
        "terima",
        "kasih",
    ]
    assert masked[2]["start"] == words[2]["start"]
    assert masked[2]["end"] == words[17]["end"]
    assert masked[2]["conf"] == words[17]["conf"]
    assert masked[3] == words[18]
    assert masked[:2] == words[:2]


def test_mask_words_uses_lowest_conf() -> None:
    words = vosk_words(SPOKEN_NIK)
    words[5]["conf"] = 0.31

    masked = mask_words(words)

    assert len(masked) == 1
    assert masked[0]["conf"] == 0.31
    assert masked[0]["start"] == 0.0
    assert masked[0]["end"] == words[-1]["end"]


def test_mask_words_drops_each_nik_separately() -> None:
    words = vosk_words(f"{SPOKEN_NIK} dan {SPOKEN_SECOND_NIK} sudah")

    masked = mask_words(words)

    assert [word["word"] for word in masked] == [LABEL, "dan", SECOND_LABEL, "sudah"]
    assert masked[2]["start"] == words[17]["start"]
    assert masked[2]["end"] == words[32]["end"]


def test_mask_words_leaves_input_unchanged() -> None:
    words = vosk_words(f"nik saya {SPOKEN_NIK}")
    original = [dict(word) for word in words]

    mask_words(words)

    assert words == original


def test_mask_words_without_nik_returns_equal_copy() -> None:
    words = vosk_words("saya mau urus akta kelahiran dua ribu rupiah")

    masked = mask_words(words)

    assert masked == words
    assert masked is not words


@pytest.mark.parametrize(
    ("text", "keep_last", "expected"),
    [
        ("NIK 1471021234560001", 4, "NIK ••••••••••••0001"),
        ("NIK 1471021234560001", 0, "NIK ••••••••••••••••"),
        ("NIK 1471021234560001", 6, "NIK ••••••••••560001"),
        ("NIK 1471 0212 3456 0001", 6, "NIK •••• •••• ••56 0001"),
        (f"nik {SPOKEN_NIK}", 4, f"nik {LABEL}"),
        (f"nik {SPOKEN_NIK}", 0, "nik [NIK ••••••••••••••••]"),
        (f"NIK {SPOKEN_NIK.upper()}.", 4, f"NIK {LABEL}."),
        ("NIK 1471, 0212, 3456, 0001", 4, "NIK ••••, ••••, ••••, 0001"),
        ("nik 1471 nol dua 1234560001", 4, f"nik {LABEL}"),
    ],
)
def test_mask_text_output(text: str, keep_last: int, expected: str) -> None:
    assert mask_text(text, keep_last=keep_last) == expected


@pytest.mark.parametrize("keep_last", [-1, 17])
def test_invalid_keep_last_is_rejected(keep_last: int) -> None:
    with pytest.raises(ValueError, match="keep_last"):
        mask_text("NIK 1471021234560001", keep_last=keep_last)

    with pytest.raises(ValueError, match="keep_last"):
        mask_words(vosk_words(SPOKEN_NIK), keep_last=keep_last)


def test_empty_input() -> None:
    assert find_nik_in_words([]) == []
    assert mask_words([]) == []
    assert find_nik_in_text("") == []
    assert mask_text("") == ""
    assert expand_number_words([]) is None
