"""Workbooks: compute them without Excel, write values safely, build the templates.

``engine`` plugs the CLV_ functions into the ``formulas`` Excel engine; ``xlsx`` edits cell
values inside an .xlsx without touching anything else; ``refresh`` is the batch refresh the
ribbon button and ``clv-xl refresh`` run; ``templates`` builds the bundled workbooks.
"""
