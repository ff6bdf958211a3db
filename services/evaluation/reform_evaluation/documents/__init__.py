"""Printable documents of the evaluation council: score sheets, minutes, the recognition decision."""
