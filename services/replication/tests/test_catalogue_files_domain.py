"""A catalogue file as events, pure: cut into chunks once (a round stopped half-way appends only what is
missing, a complete file nothing), and read back only when every byte matches the catalogue's SHA-256 and
size, never beyond the upload cap."""

from __future__ import annotations

import base64
import hashlib

import pytest

from reform_replication.domain.files import CHUNK_BYTES, FileRefused, assemble, to_send
from reform_shared.events.replication import CatalogueFileChunk, CatalogueFileSent
from reform_shared.events.submission import AttachmentRef

pytestmark = pytest.mark.domain

DATA = bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 3)  # two chunks and a bit: three chunks
REF = AttachmentRef(attachment_id="a1", filename="Quy trình.pdf", media_type="application/pdf", size=len(DATA),
                    sha256=hashlib.sha256(DATA).hexdigest())
CAP = 20 * 1_048_576


def events() -> list[CatalogueFileChunk | CatalogueFileSent]:
    return to_send("ng--a1", "ng--i1", "ng", REF, DATA, [])  # type: ignore[return-value]


def test_a_file_is_cut_into_chunks_then_marked_and_reads_back_whole() -> None:
    sent = events()
    assert [type(e).__name__ for e in sent] == ["CatalogueFileChunk"] * 3 + ["CatalogueFileSent"]
    assert all(len(base64.b64decode(c.data)) <= CHUNK_BYTES for c in sent if isinstance(c, CatalogueFileChunk))
    assert assemble(sent, REF, CAP) == DATA


def test_a_round_stopped_half_way_appends_only_the_missing_chunks_and_a_complete_file_nothing() -> None:
    sent = events()
    rest = to_send("ng--a1", "ng--i1", "ng", REF, DATA, sent[:2])
    assert [getattr(e, "index", None) for e in rest] == [2, None]
    assert assemble([*sent[:2], *rest], REF, CAP) == DATA
    assert to_send("ng--a1", "ng--i1", "ng", REF, DATA, sent) == []


def test_a_tampered_chunk_a_missing_chunk_or_no_marker_is_refused() -> None:
    sent = events()
    forged = CatalogueFileChunk(file_id="ng--a1", index=1, data=base64.b64encode(b"x" * CHUNK_BYTES).decode())
    with pytest.raises(FileRefused, match="SHA-256"):
        assemble([sent[0], forged, sent[2], sent[3]], REF, CAP)
    with pytest.raises(FileRefused, match="chunks"):
        assemble([sent[0], sent[2], sent[3]], REF, CAP)
    with pytest.raises(FileRefused, match="not complete"):
        assemble(sent[:3], REF, CAP)
    with pytest.raises(FileRefused, match="twice"):
        assemble([sent[0], sent[0], *sent[1:]], REF, CAP)


def test_what_follows_the_marker_changes_nothing_and_the_upload_cap_holds() -> None:
    sent = events()
    extra = CatalogueFileChunk(file_id="ng--a1", index=3, data=base64.b64encode(b"tail").decode())
    assert assemble([*sent, extra], REF, CAP) == DATA
    with pytest.raises(FileRefused, match="more than"):
        assemble(sent, REF, CHUNK_BYTES)
