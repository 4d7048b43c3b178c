"""The worked examples of the source articles, computed by the package (the "main job")."""

from __future__ import annotations

from clv_xl import core


def money(x: float) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def dry_cleaner_lines() -> list[str]:
    """Seed 000's dry cleaner: Mary spends $8, comes back and spends $20."""
    visits = [8.0, 20.0]
    so_far = sum(visits)
    average = so_far / len(visits)
    lifetime_value = core.value(average, len(visits))
    return [
        "Dry cleaner (seed 000): Mary spends $8 on slacks, then $20 on clothes and blouses.",
        f"  worth so far                 {money(so_far)}",
        f"  average sale x visits        {money(average)} x {len(visits)} = {money(lifetime_value)}",
        "Acquisition budget (seeds 001, 002):",
        f"  $10,000 profit, $199 install  headroom {money(core.headroom(10000, 199))}",
        f"  $50 to win a $500 customer    headroom {money(core.headroom(500, 50))}",
        f"  $50 to win a $20 customer     headroom {money(core.headroom(20, 50))}",
    ]
