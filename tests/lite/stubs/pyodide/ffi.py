"""What xlwings uses of ``pyodide.ffi``: ``JsNull`` (JavaScript's null) and ``to_js``."""


class JsNull:
    """JavaScript's null as Pyodide 0.28+ hands it to Python (xlwings turns it into None)."""


def to_js(value, **kwargs):
    return value
