"""What the tests share beside their fixtures (those are in tests/conftest.py): the bundled data,
workbook comparison, the xlwings-on-Windows stand-ins and the VBA compiler driver."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout (the tests never write into it)."""
TEMPLATES = ROOT / "workbook_templates"
