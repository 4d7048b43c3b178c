"""The Excel face of clv_xl: xlwings user-defined functions over the pure core.

Import ``clv_xl.excel.udfs`` in xlwings' UDF_MODULES setting (the add-in does it for you).
"""
