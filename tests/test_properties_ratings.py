"""Property tests for rating parsing (core/ratings.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.ratings import SCALES, RatingError, RatingScale, is_nps_detractor, normalise_rating

scales = st.sampled_from(list(RatingScale))


def on_scale(scale: RatingScale):
    low, high, _ = SCALES[scale]
    return st.one_of(st.integers(int(low), int(high)), st.floats(low, high, allow_nan=False))


@given(st.data())
def test_a_rating_on_its_scale_maps_into_0_1_monotonically(data):
    scale = data.draw(scales)
    a, b = sorted([data.draw(on_scale(scale)), data.draw(on_scale(scale))])
    low, high, higher_is_better = SCALES[scale]
    fa, fb = normalise_rating(a, scale), normalise_rating(b, scale)
    assert 0.0 <= fa <= 1.0 and 0.0 <= fb <= 1.0
    assert (fa <= fb) if higher_is_better else (fa >= fb)
    assert normalise_rating(high if higher_is_better else low, scale.value) == 1.0
    assert normalise_rating(low if higher_is_better else high, scale) == 0.0


@given(scales, st.floats(allow_nan=True, allow_infinity=True))
def test_any_float_is_normalised_or_refused_with_a_rating_error(scale, value):
    low, high, _ = SCALES[scale]
    if not math.isnan(value) and low <= value <= high:
        assert 0.0 <= normalise_rating(value, scale) <= 1.0
    else:
        with pytest.raises(RatingError, match="rating"):
            normalise_rating(value, scale)


@given(scales, st.one_of(st.booleans(), st.text(), st.none(), st.lists(st.integers()), st.complex_numbers()))
def test_non_numbers_are_refused(scale, value):
    with pytest.raises(RatingError, match="must be a number"):
        normalise_rating(value, scale)


@given(st.text().filter(lambda s: s not in {scale.value for scale in RatingScale}), st.integers(0, 10))
def test_unknown_scales_are_refused_naming_the_known_ones(name, value):
    with pytest.raises(RatingError, match="unknown rating scale") as raised:
        normalise_rating(value, name)
    assert "nps_0_10" in str(raised.value)


@given(st.one_of(st.none(), scales), st.one_of(st.none(), st.integers(-5, 15)))
def test_only_nps_scores_up_to_6_are_detractors(scale, value):
    expected = scale == RatingScale.nps_0_10 and value is not None and value <= 6
    assert is_nps_detractor(value, scale) is expected
