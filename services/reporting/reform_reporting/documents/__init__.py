"""Printable and exportable documents of the reporting service: the periodic reform report (DOCX), its tables
(XLSX) and its figures (self-contained SVG)."""
