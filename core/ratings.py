"""Customer scores on their scales: validation and normalisation to 0 (worst) … 1 (best)."""

from __future__ import annotations

from enum import StrEnum

from core.errors import VocError


class RatingError(VocError, ValueError):
    """A rating outside its scale, or a rating without a scale."""


class RatingScale(StrEnum):
    stars_1_5 = "stars_1_5"
    csat_1_5 = "csat_1_5"
    nps_0_10 = "nps_0_10"
    ces_1_7 = "ces_1_7"


# (lowest, highest, higher_is_better)
SCALES: dict[RatingScale, tuple[float, float, bool]] = {
    RatingScale.stars_1_5: (1, 5, True),
    RatingScale.csat_1_5: (1, 5, True),
    RatingScale.nps_0_10: (0, 10, True),
    # Customer Effort Score: 1 = very easy … 7 = very hard
    RatingScale.ces_1_7: (1, 7, False),
}


def normalise_rating(value: float, scale: RatingScale | str) -> float:
    """Map a rating to satisfaction in [0, 1]; raise :class:`RatingError` when off the scale."""
    try:
        scale = RatingScale(scale)
    except ValueError as error:
        raise RatingError(f"unknown rating scale {scale!r}; use one of {[s.value for s in RatingScale]}") from error
    low, high, higher_is_better = SCALES[scale]
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise RatingError(f"rating must be a number, got {value!r}")
    if not low <= value <= high:
        raise RatingError(f"rating {value:g} is outside the {scale.value} scale ({low:g}–{high:g})")
    share = (value - low) / (high - low)
    return share if higher_is_better else 1 - share


def is_nps_detractor(value: float | None, scale: RatingScale | str | None) -> bool:
    return scale == RatingScale.nps_0_10 and value is not None and value <= 6
