"""Model names as users type them, and models rebuilt from parameter tables."""

from __future__ import annotations

import re
from typing import Any

from clv_xl.errors import CellError, InputError
from clv_xl.models.base import BaseModel
from clv_xl.models.bdw import BetaDiscreteWeibull
from clv_xl.models.bgbb import BGBB
from clv_xl.models.bgnbd import BGNBD
from clv_xl.models.covariates import covariate_model_from_table
from clv_xl.models.gammagamma import GammaGamma
from clv_xl.models.mbgnbd import MBGNBD
from clv_xl.models.paretonbd import ParetoNBD
from clv_xl.models.sbg import ShiftedBetaGeometric

PURCHASE_MODELS: dict[str, type[BaseModel]] = {m.name: m for m in (BGNBD, MBGNBD, ParetoNBD, BGBB)}
CONTINUOUS_MODELS: dict[str, type[BaseModel]] = {m.name: m for m in (BGNBD, MBGNBD, ParetoNBD)}
"""The purchase models in continuous time (all but BG/BB): those a holdout check can use."""
RETENTION_MODELS: dict[str, type[BaseModel]] = {
    m.name: m for m in (ShiftedBetaGeometric, BetaDiscreteWeibull)
}
"""The contractual retention models: sBG and its duration-dependent extension BdW."""
ALL_MODELS: dict[str, type[BaseModel]] = {
    **PURCHASE_MODELS,
    GammaGamma.name: GammaGamma,
    **RETENTION_MODELS,
}
_KEYS = {re.sub(r"[^a-z]", "", name.lower()): cls for name, cls in ALL_MODELS.items()}


def model_class(name: Any, allowed: dict[str, type[BaseModel]] | None = None) -> type[BaseModel]:
    """The model class for a name typed loosely ("bg/nbd", "BG-NBD", "pareto nbd")."""
    allowed = allowed or PURCHASE_MODELS
    key = re.sub(r"[^a-z]", "", name.lower()) if isinstance(name, str) else ""
    cls = _KEYS.get(key)
    if cls is None or cls.name not in allowed:
        raise InputError("model", name, "one of " + ", ".join(f'"{n}"' for n in allowed))
    return cls


def model_from_table(
    table: dict[str, Any],
    argument: str = "params",
    allowed: dict[str, type[BaseModel]] | None = None,
) -> BaseModel:
    """Rebuild a model from a name/value table such as CLV_FIT spills."""
    if "model" not in table:
        raise InputError(
            argument, "a table with no model row", "the two-column table CLV_FIT returned"
        )
    cls = model_class(table["model"], allowed or ALL_MODELS)
    missing = [k for k in cls.param_names if k not in table]
    if missing:
        raise CellError(
            argument,
            f"is a {cls.name} table without {', '.join(missing)}",
            f"the rows {', '.join(cls.param_names)} as CLV_FIT returns them",
        )
    if cls.name in CONTINUOUS_MODELS:
        with_covariates = covariate_model_from_table(table, cls, argument)  # type: ignore[arg-type]
        if with_covariates is not None:
            return with_covariates
    values = {k: table[k] for k in cls.param_names}
    try:
        return cls.from_params(values)
    except InputError as exc:
        raise InputError(argument, exc.value, exc.allowed) from None
