"""The models there are, and what each can do: every list of models is read from here.

A model class declares its capabilities as class attributes (see
:class:`~clv_xl.models.base.BaseModel`: ``role``, ``continuous_time``, ``covariate_links``,
``purchase_counts``, ``data_names``) and is added with :func:`register`. CLV_FIT's and
CLV_COMPARE's names and help, the diagnostics, the CLI's ``--model``, the holdout, purchase counts,
covariates and the templates' drop-downs all ask :func:`models`, so a new model is one module
(``docs/development.md`` lists the steps).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from clv_xl.models.base import BaseModel

M = TypeVar("M", bound="type[BaseModel]")

_REGISTERED: dict[str, Any] = {}


def register(cls: M) -> M:
    """Add a model class to the catalog (a class decorator); its ``name`` is how users type it."""
    if not cls.name or not cls.role:
        raise TypeError(f"{cls.__name__} needs a name and a role to be registered")
    _REGISTERED[cls.name] = cls
    return cls


def models(role: str | None = None, **capabilities: Any) -> dict[str, type[BaseModel]]:
    """The registered models, in the order registered, of ``role`` ("purchase", "spend",
    "retention"; None: every role) whose class attributes equal ``capabilities``, e.g.
    ``models("purchase", continuous_time=True)``; ``covariates=True`` asks for covariate links."""
    wanted = dict(capabilities)
    covariates = wanted.pop("covariates", None)
    return {
        name: cls
        for name, cls in _REGISTERED.items()
        if (role is None or cls.role == role)
        and all(getattr(cls, key) == value for key, value in wanted.items())
        and (covariates is None or bool(cls.covariate_links) == covariates)
    }


def key(name: Any) -> str:
    """A name as typed loosely ("bg/nbd", "BG-NBD", "pareto nbd") reduced to its letters."""
    return re.sub(r"[^a-z]", "", name.lower()) if isinstance(name, str) else ""


def spelled(names: Any, last: str = "or", quoted: bool = True) -> str:
    """Names as a sentence: '"BG/NBD", "MBG/NBD" or "Pareto/NBD"'."""
    words = [f'"{n}"' if quoted else str(n) for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]
