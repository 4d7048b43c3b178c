"""Model names as users type them, the lists of models (derived from :mod:`clv_xl.models.catalog`),
and models rebuilt from parameter tables. Importing it registers the built-in models."""

from __future__ import annotations

from typing import Any

from clv_xl.errors import CellError, InputError
from clv_xl.models import catalog
from clv_xl.models.base import BaseModel
from clv_xl.models.bdw import BetaDiscreteWeibull
from clv_xl.models.bgbb import BGBB
from clv_xl.models.bgnbd import BGNBD
from clv_xl.models.covariates import covariate_model_from_table
from clv_xl.models.gammagamma import GammaGamma
from clv_xl.models.mbgnbd import MBGNBD
from clv_xl.models.paretonbd import ParetoNBD
from clv_xl.models.sbg import ShiftedBetaGeometric

for _built_in in (
    BGNBD,
    MBGNBD,
    ParetoNBD,
    BGBB,
    GammaGamma,
    ShiftedBetaGeometric,
    BetaDiscreteWeibull,
):
    catalog.register(_built_in)


def purchase_models() -> dict[str, type[BaseModel]]:
    """The models CLV_FIT fits (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, and any registered since).

    Examples
    --------
    >>> list(purchase_models())
    ['BG/NBD', 'MBG/NBD', 'Pareto/NBD', 'BG/BB']
    """
    return catalog.models("purchase")


def continuous_models() -> dict[str, type[BaseModel]]:
    """The purchase models in continuous time (all but BG/BB): those a holdout check, tracking,
    CLV_COMPARE and the CLI use.

    Examples
    --------
    >>> list(continuous_models())
    ['BG/NBD', 'MBG/NBD', 'Pareto/NBD']
    """
    return catalog.models("purchase", continuous_time=True)


def retention_models() -> dict[str, type[BaseModel]]:
    """The contractual retention models: sBG and its duration-dependent extension BdW.

    Examples
    --------
    >>> list(retention_models())
    ['sBG', 'BdW']
    """
    return catalog.models("retention")


def model_class(
    name: Any, allowed: dict[str, type[BaseModel]] | None = None, argument: str = "model"
) -> type[BaseModel]:
    """The model class for a name typed loosely ("bg/nbd", "BG-NBD", "pareto nbd"), one of
    ``allowed`` (the purchase models unless given); ``argument`` names it in the message.

    Parameters
    ----------
    name : str
        The name as typed; case, spaces, hyphens and slashes do not matter.
    allowed : dict of str to model class, optional
        The models that may be named (the purchase models).
    argument : str
        The argument named in the message when the name is not one of them.

    Returns
    -------
    model class

    Examples
    --------
    >>> model_class("pareto nbd").name
    'Pareto/NBD'
    """
    allowed = allowed or purchase_models()
    cls = {catalog.key(n): c for n, c in catalog.models().items()}.get(catalog.key(name))
    if cls is None or cls.name not in allowed:
        raise InputError(argument, name, "one of " + ", ".join(f'"{n}"' for n in allowed))
    return cls


def model_from_table(
    table: dict[str, Any],
    argument: str = "params",
    allowed: dict[str, type[BaseModel]] | None = None,
) -> BaseModel:
    """Rebuild a model from a name/value table such as CLV_FIT spills.

    Parameters
    ----------
    table : dict
        Name -> value, as CLV_FIT's two columns read: a "model" row and the parameters (the se_
        and corr_ rows, and covariate coefficients, where there are some).
    argument : str
        The argument named in messages.
    allowed : dict of str to model class, optional
        The models the table may hold (every registered one).

    Returns
    -------
    BaseModel
        Ready to predict (nothing is fitted).

    Examples
    --------
    >>> model = model_from_table({"model": "BG/NBD", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> round(float(model.p_alive(2, 30.43, 38.86)), 3)
    0.727
    """
    if "model" not in table:
        raise InputError(
            argument, "a table with no model row", "the two-column table CLV_FIT returned"
        )
    cls = model_class(table["model"], allowed or catalog.models())
    missing = [k for k in cls.param_names if k not in table]
    if missing:
        raise CellError(
            argument,
            f"is a {cls.name} table without {', '.join(missing)}",
            f"the rows {', '.join(cls.param_names)} as CLV_FIT returns them",
        )
    if cls.covariate_links:
        with_covariates = covariate_model_from_table(table, cls, argument)  # type: ignore[arg-type]
        if with_covariates is not None:
            return with_covariates
    values = {k: table[k] for k in cls.param_names}
    try:
        return cls.from_params(values)
    except InputError as exc:
        raise InputError(argument, exc.value, exc.allowed) from None
