"""Content-Disposition (RFC 6266, RFC 8187) and nosniff on every download."""

import pytest

from readmodel.downloads import ascii_fallback, content_disposition, download_headers
from tests.support.data import saved_filename


@pytest.mark.parametrize(
    "name, read_back",
    [
        ("devis été n°12.pdf", "devis été n°12.pdf"),
        ("x\"; filename*=UTF-8''evil.html; a=\".txt", "x__ filename*=UTF-8''evil.html_ a=_.txt"),
        ("a;b\\c/d.txt", "a_b_c_d.txt"),
    ],
)
def test_the_name_a_client_reads_is_the_safe_name(name, read_back):
    header = content_disposition(name)

    assert header.startswith("attachment; ")
    assert saved_filename(header) == read_back


def test_the_ascii_fallback_carries_no_quote_parameter_or_escape():
    header = content_disposition("x\"; filename*=UTF-8''evil.html; a=\".txt")

    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == "x__ filename__UTF-8__evil.html_ a__.txt"
    assert header.count("filename*=") == 1 and header.endswith(".txt")


def test_accents_fall_back_to_plain_letters():
    assert ascii_fallback("décompte général été.pdf") == "decompte general ete.pdf"


def test_every_download_says_nosniff():
    assert download_headers("a.pdf")["X-Content-Type-Options"] == "nosniff"
