"""How a benchmark table states a target: met, or missed and by how much."""

from __future__ import annotations


def verdict(ok: bool, ratio: float, limit: float, more_is_worse: bool = True) -> str:
    if ok:
        return f"met ({ratio:.2f} vs {limit:g})"
    missed = ratio / limit if more_is_worse else limit / ratio
    return f"**missed** by {missed:.1f}x ({ratio:.2f} vs {limit:g})"
