"""Uploaded file names made safe to store and serve; the media type they are served with."""

import pytest

from contracts.files import MAX_FILENAME_CHARS, OCTET_STREAM, safe_filename, served_type


@pytest.mark.parametrize(
    "name, safe",
    [
        ("devis n°12 été.pdf", "devis n°12 été.pdf"),
        ("x\"; filename*=UTF-8''evil.html; a=\".txt", "x__ filename*=UTF-8''evil.html_ a=_.txt"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("C:\\Users\\moi\\plan.pdf", "C__Users_moi_plan.pdf"),
        ("rapport\r\nSet-Cookie: x.txt", "rapport__Set-Cookie_ x.txt"),
        ("nul\x00byte.txt", "nul_byte.txt"),
        ("\u202egnp.exe", "_gnp.exe"),
        ("..", "fichier"),
        ("", "fichier"),
        (None, "fichier"),
    ],
)
def test_a_name_loses_what_could_break_a_header_or_a_path(name, safe):
    assert safe_filename(name) == safe


def test_a_long_name_is_cut_keeping_its_extension():
    cut = safe_filename("a" * 400 + ".pdf")

    assert len(cut) == MAX_FILENAME_CHARS and cut.endswith("a.pdf")


@pytest.mark.parametrize(
    "name, media_type",
    [
        ("plan.PDF", "application/pdf"),
        ("photo.jpg", "image/jpeg"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("page.html", OCTET_STREAM),
        ("page.htm", OCTET_STREAM),
        ("page.xhtml", OCTET_STREAM),
        ("dessin.svg", OCTET_STREAM),
        ("flux.xml", OCTET_STREAM),
        ("sans-extension", OCTET_STREAM),
    ],
)
def test_files_are_served_with_a_passive_type_from_their_extension(name, media_type):
    assert served_type(name) == media_type


def test_a_recorded_type_is_kept_only_when_passive():
    assert served_type("document", "application/pdf") == "application/pdf"  # a document checked to be a PDF
    assert served_type("page.html", "text/html") == OCTET_STREAM
    assert served_type("notes.txt", "image/svg+xml") == "text/plain; charset=utf-8"
