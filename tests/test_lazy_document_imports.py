"""A service starts without the document libraries: they are imported where a document is made or read.

python-docx, openpyxl (which pulls numpy in through its compat module), pypdf and Pillow cost about 34 MB of
resident memory in every process that imports them; a node runs eight services. Each service's entry module
(what `python -m reform_<service> serve` imports) is imported in a fresh interpreter and its `sys.modules`
checked; then one document is made, to show that the import was deferred, not lost.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("docx", "openpyxl", "pypdf", "numpy", "PIL", "lxml")
SERVICES = ("submission", "evaluation", "awards", "reporting", "directory", "identity", "notifications", "portal")


def loaded_after(code: str) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return [name for name in json.loads(out.splitlines()[-1]) if name in HEAVY]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_starts_without_the_document_libraries(service: str) -> None:
    assert loaded_after(f"import reform_{service}.__main__") == []


def test_the_first_register_export_imports_openpyxl_then() -> None:
    code = ("from reform_shared.sheets import Column, register_xlsx\n"
            "data = register_xlsx([Column('Tên', 'name')], [{'name': 'Nguyễn Văn An'}], 'Sổ', 'so')\n"
            "assert data[:2] == b'PK'")
    assert "openpyxl" in loaded_after(code)


def test_the_first_docx_imports_python_docx_then() -> None:
    code = ("from reform_shared.docx_layout import new_document, paragraph, to_bytes\n"
            "doc = new_document(); paragraph(doc, 'Báo cáo')\n"
            "assert to_bytes(doc)[:2] == b'PK'")
    assert "docx" in loaded_after(code)
