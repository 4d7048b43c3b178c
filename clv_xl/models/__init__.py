"""The buy-till-you-die models of Fader & Hardie and colleagues, one per module.

Pure NumPy/SciPy: no xlwings here. See each module for the paper and equations.
"""

from clv_xl.models.base import BaseModel
from clv_xl.models.bdw import BetaDiscreteWeibull
from clv_xl.models.bgbb import BGBB
from clv_xl.models.bgnbd import BGNBD
from clv_xl.models.cache import fit_cached
from clv_xl.models.covariates import CovariateModel
from clv_xl.models.gammagamma import GammaGamma
from clv_xl.models.mbgnbd import MBGNBD
from clv_xl.models.paretonbd import ParetoNBD
from clv_xl.models.registry import (
    continuous_models,
    model_class,
    model_from_table,
    purchase_models,
    retention_models,
)
from clv_xl.models.repeat_buying import RepeatBuyingModel
from clv_xl.models.sbg import ShiftedBetaGeometric
from clv_xl.models.value import lifetime_value

__all__ = [
    "BGBB",
    "BGNBD",
    "MBGNBD",
    "BaseModel",
    "BetaDiscreteWeibull",
    "CovariateModel",
    "GammaGamma",
    "ParetoNBD",
    "RepeatBuyingModel",
    "ShiftedBetaGeometric",
    "continuous_models",
    "fit_cached",
    "lifetime_value",
    "model_class",
    "model_from_table",
    "purchase_models",
    "retention_models",
]
