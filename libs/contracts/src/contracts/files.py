"""Names and media types of uploaded files, made safe to store and to serve back. Pure functions.

A file name comes from the uploader: it is kept readable (accents and spaces stay) but loses what could
break a header or a path — quotes, ``;``, control characters, path separators — and its length is
bounded. The media type a file is served with follows its extension, never what the uploader declared,
and is never an active type a browser would run (HTML, SVG, XML): those are served as
``application/octet-stream``.
"""

import unicodedata

from contracts.billing import extension_of

MAX_FILENAME_CHARS = 150
OCTET_STREAM = "application/octet-stream"

# Passive types only: a browser displays or downloads them, it runs nothing.
SERVED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "rtf": "application/rtf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "zip": "application/zip",
    "gz": "application/gzip",
    "gzip": "application/gzip",
    "tgz": "application/gzip",
    "bz2": "application/x-bzip2",
    "p7s": "application/pkcs7-signature",
}

_REPLACED = set('"\\/;:') | {"\u2028", "\u2029"}


def safe_filename(name: str | None, default: str = "fichier") -> str:
    """``name`` without quotes, backslashes, ``/``, ``;``, ``:`` or control characters, at most
    ``MAX_FILENAME_CHARS`` characters (its extension kept), never empty, ``.`` or ``..``."""
    text = unicodedata.normalize("NFC", name or "")
    cleaned = "".join(
        "_" if c in _REPLACED or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else c
        for c in text
    )
    cleaned = " ".join(cleaned.split()).strip(" .")
    if len(cleaned) > MAX_FILENAME_CHARS:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            cleaned = cleaned[:MAX_FILENAME_CHARS].rstrip(" .")
    return cleaned or default


PASSIVE_TYPES = frozenset(SERVED_TYPES.values())


def served_type(filename: str, recorded: str | None = None) -> str:
    """The media type a stored file is served with: the one recorded at upload when it is passive (a
    document checked to be a PDF), else the one its extension gives; never an active type."""
    if recorded in PASSIVE_TYPES:
        return recorded
    return SERVED_TYPES.get(extension_of(filename), OCTET_STREAM)
