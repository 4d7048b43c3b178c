"""The Function Wizard's words: the category every CLV_ function is listed under, and the help
line of each argument that several functions share (one spelling each)."""

from clv_xl.models import catalog, purchase_models

CATEGORY = "CLV"

PARAMS = "The parameter table CLV_FIT spilled (two columns: name, value), e.g. $F$2:$G$13."
SPEND_PARAMS = "The parameter table CLV_FIT_SPEND spilled (p, q, gamma)."
RETENTION_PARAMS = (
    "The parameter table CLV_FIT_RETENTION spilled (sBG: alpha, beta; BdW: alpha, beta, c)."
)
REPEAT_PURCHASES = "Repeat purchases of each customer."
RECENCY = "Time from first to last purchase."
AGE = "Customer age T: time from first purchase to the end of the data."
MONETARY_VALUE = "Average value of each customer's repeat purchases."
WEIGHTS = "Optional number of customers each row stands for (blank = 1 each)."
AS_OF = "Optional end of the observation period (a date); blank = the last date in the data."
PERIOD = (
    'Optional time unit of recency and T: "W" weeks (blank), "D" days, "M" 30 days, '
    '"H" hours, or a number of days.'
)
PURCHASE_MODEL = catalog.spelled(purchase_models()) + "."
"""Every model CLV_FIT fits, as the catalog lists them."""
PURCHASE_COVARIATES = (
    "Optional covariates of each customer's purchase rate: a header row of names, then a row "
    "per customer (numbers, or labels such as web/store)."
)
DROPOUT_COVARIATES = (
    "Optional covariates of each customer's drop-out: a header row of names, then a row per "
    "customer (may be the same range as purchase_covariates)."
)
PENALIZER = (
    "Optional L2 penalty on the parameters (default 0, none): a small value such as 0.001 keeps a "
    "fit whose parameters run off finite, as lifetimes' penalizer_coef does."
)
PURCHASE_COVARIATES_GIVEN = (
    "With a covariate fit: each customer's purchase covariates, the columns CLV_FIT was given, "
    "with their header row."
)
DROPOUT_COVARIATES_GIVEN = (
    "With a covariate fit: each customer's drop-out covariates, with their header row."
)
