"""A stand-in for Pyodide's own ``pyodide`` package, for the processes that stand in for
xlwings Lite: xlwings imports ``pyodide.ffi`` for every argument it converts (without it, it
retries a failing import for every cell: 46 s for a million-row column), and clv_xl takes a
loaded ``pyodide`` module as the sign of running in Pyodide (``clv_xl.runtime.in_pyodide``)."""
