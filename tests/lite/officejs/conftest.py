"""The Office.js process: xlwings chooses its decorators when first imported, so the checks here
(``check_*.py``, not collected by the main run) run in a process of their own, started by
tests/lite/test_lite.py with XLWINGS_ON_SERVER=true, XLWINGS_LICENSE_KEY=noncommercial and the
Pyodide simulation (``-p tests.lite.pyodide_sim``): xlwings Lite is Pyodide calling Office.js."""
