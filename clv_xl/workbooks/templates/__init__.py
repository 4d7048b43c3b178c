"""The bundled template workbooks, each built by one module of this package."""

from clv_xl.workbooks.templates.build import TEMPLATES, build_all, build_one

__all__ = ["TEMPLATES", "build_all", "build_one"]
