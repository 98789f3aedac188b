import pytest

from core.ratings import RatingError, is_nps_detractor, normalise_rating


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [(1, "stars_1_5", 0.0), (5, "stars_1_5", 1.0), (3, "csat_1_5", 0.5), (0, "nps_0_10", 0.0),
     (10, "nps_0_10", 1.0), (1, "ces_1_7", 1.0), (7, "ces_1_7", 0.0)],
)
def test_ratings_map_to_satisfaction(value, scale, expected):
    assert normalise_rating(value, scale) == pytest.approx(expected)


@pytest.mark.parametrize(("value", "scale"), [(0, "stars_1_5"), (6, "csat_1_5"), (11, "nps_0_10"),
                                              (-1, "nps_0_10"), (8, "ces_1_7"), (float("nan"), "stars_1_5")])
def test_out_of_scale_is_a_clear_error(value, scale):
    with pytest.raises(RatingError, match="outside|number"):
        normalise_rating(value, scale)


def test_unknown_scale_and_non_numbers_are_refused():
    with pytest.raises(RatingError, match="unknown rating scale"):
        normalise_rating(3, "stars_1_10")
    with pytest.raises(RatingError, match="number"):
        normalise_rating(True, "stars_1_5")


def test_nps_detractor():
    assert is_nps_detractor(6, "nps_0_10") and not is_nps_detractor(7, "nps_0_10")
    assert not is_nps_detractor(1, "stars_1_5")
