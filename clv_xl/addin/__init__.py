"""The Excel add-in: building clv_xl.xlam, what its Refresh button runs, installing it."""
