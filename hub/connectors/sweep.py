"""Mark and sweep for platforms without a change marker: what a complete snapshot says was deleted."""

from __future__ import annotations

from hub.errors import SweepRefused

__all__ = ["SweepRefused", "plan_sweep"]


def plan_sweep(previous: set[str], seen: set[str], max_share: float) -> set[str]:
    """The records to delete after a complete snapshot: those known before and not seen this time.

    A platform that answers an empty or partial listing by mistake would otherwise wipe the hub's copy, so a
    sweep larger than ``max_share`` of ``previous`` is refused, not carried out.

    Args:
        previous: ids (IRIs or native ids) known before this snapshot.
        seen: ids seen in this complete snapshot.
        max_share: the largest share of ``previous`` one sweep may delete, in [0, 1].

    Returns:
        The ids to delete (tombstone), possibly empty.

    Raises:
        ValueError: ``max_share`` is outside [0, 1].
        SweepRefused: the sweep would delete more than ``max_share`` of ``previous``; carries the figures.
    """
    if not 0.0 <= max_share <= 1.0:
        raise ValueError(f"max_share must be within [0, 1], got {max_share!r}")
    gone = previous - seen
    if previous and len(gone) / len(previous) > max_share:
        raise SweepRefused(
            f"sweep refused: it would delete {len(gone)} of {len(previous)} records "
            f"({len(gone) / len(previous):.0%}), more than max_delete_share={max_share:.0%}; "
            "check the platform's listing, then raise max_delete_share for one run if the deletions are real",
            to_delete=len(gone),
            known=len(previous),
            max_share=max_share,
        )
    return gone
