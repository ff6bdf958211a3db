"""The pieces every council document is laid out with: its header, headings, fields, footer, dates."""

from __future__ import annotations

import datetime as dt

from docx.document import Document as DocxDocument
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from reform_evaluation.documents.council.views import COUNCIL_NAME, CouncilRef
from reform_shared.docx_layout import (
    CENTER,
    national_header,
    nfc,
    paragraph,
    vn_number,
)
from reform_shared.events import Rubric
from reform_shared.ids import VIETNAM

# -- shared pieces ---------------------------------------------------------------------------------------------

def council_header(doc: DocxDocument, council: CouncilRef) -> None:
    national_header(doc, [f"UBND {council.commune_upper}", COUNCIL_NAME])


def _heading(doc: DocxDocument, text: str) -> None:
    lead_in(doc, text, bold=True).paragraph_format.space_before = Pt(6)


def lead_in(doc: DocxDocument, text: str, *, bold: bool = False) -> Paragraph:
    """A heading or the line introducing a list or a table: never left alone at the bottom of a page."""
    line = paragraph(doc, text, bold=bold)
    line.paragraph_format.keep_with_next = True
    return line


def _field(doc: DocxDocument, label: str, value: str) -> None:
    paragraph(doc, value, lead=f"{label}: ")


def bold_last_row(grid: Table) -> None:
    for cell in grid.rows[-1].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _footer(doc: DocxDocument, text: str) -> None:
    """A small centred footer: the reference that matches a printed page to its record."""
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = CENTER
    footer.add_run(nfc(text)).font.size = Pt(10)


def criteria_rows(rubric: Rubric) -> list[list[str]]:
    return [[str(n), c.label, vn_number(c.max_points), vn_number(c.weight)]
            for n, c in enumerate(rubric.criteria, 1)]


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(VIETNAM) if moment.utcoffset() is not None else moment


def clock(moment: dt.datetime) -> str:
    return f"{local(moment):%H} giờ {local(moment):%M} phút"
