"""The words for what an argument takes, where several places check the same kind of value: one
spelling each, so a mistake reads the same from every function and from the command line."""

HORIZON = "a number of periods >= 0"
PURCHASES = "a whole number of purchases >= 0"
MONTHS = "a whole number of months from 1 to 1,200"
DRAWS = "a whole number of draws from 100 to 5,000"
PERIODS = "a whole number of periods from 1 to 1000"
