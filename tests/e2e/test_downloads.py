"""Downloads are safe to open: the name a browser saves is the one uploaded, cleaned, never one an
uploader smuggled in; an uploaded page or drawing is never served as something a browser runs; no
download is sniffed."""

import json

from tests.support import data
from tests.support.data import saved_filename

SMUGGLED = "x\"; filename*=UTF-8''evil.html; a=\".txt"
SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


async def test_an_attachment_cannot_smuggle_its_name_or_an_active_type(deposit, parties):
    piece = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    body, content_type = data.raw_multipart(
        [
            ("piece", None, "application/json", json.dumps(piece).encode()),
            ("document", "décompte n°1.pdf", "application/pdf", data.PDF),
            ("attachments", SMUGGLED, "text/html", SCRIPT),  # what curl -F sends for that name
            ("attachments", "plan.svg", "image/svg+xml", b"<svg onload='alert(1)'/>"),
        ]
    )
    created = await deposit.post("/v1/pieces", content=body, headers={"content-type": content_type})
    assert created.status_code == 201, created.text
    href = created.json()["links"]["piece"]["href"]
    view = (await deposit.get(href)).json()

    text = await deposit.get(f"{href}/pieces-jointes/0")
    svg = await deposit.get(f"{href}/pieces-jointes/1")
    document = await deposit.get(f"{href}/document")

    assert view["pieces_jointes"][0]["filename"] == "x__ filename*=UTF-8''evil.html_ a=_.txt"
    assert text.content == SCRIPT and saved_filename(text.headers["content-disposition"]).endswith(".txt")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert svg.headers["content-type"] == "application/octet-stream"
    assert saved_filename(document.headers["content-disposition"]) == "décompte n°1.pdf"
    assert document.headers["content-type"] == "application/pdf" and document.content == data.PDF
    for answer in (text, svg, document):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-disposition"].startswith("attachment; ")


async def test_exports_are_downloads_that_are_never_sniffed(deposit, parties):
    piece = data.piece(parties["fournisseur"]["siret"], parties["moe"]["siret"])
    created = (await deposit.post("/v1/pieces", files=data.multipart(piece))).json()

    exports = [
        await deposit.get(f"/v1/dossiers/{created['dossier_id']}/export"),
        await deposit.get("/v1/pieces", params={"numero": piece["numero"], "format": "csv"}),
        await deposit.get("/v1/liste-fiscale", params={"format": "xml"}),
    ]

    assert [saved_filename(e.headers["content-disposition"]) for e in exports] == [
        f"dossier-{created['dossier_id']}.zip",
        "pieces.csv",
        "liste-fiscale.xml",
    ]
    assert all(e.status_code == 200 and e.headers["x-content-type-options"] == "nosniff" for e in exports)
