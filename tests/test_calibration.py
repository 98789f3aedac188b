"""Temperature scaling of topic probabilities and the calibration measures of the reports."""

import numpy as np
import pytest

from evaluation.calibration import calibration_metrics, reliability_plot, reliability_rows
from topics.temperature import fit_temperature, scaled


def test_scaling_keeps_the_answers_and_sums_to_one():
    probabilities = np.asarray([[0.5, 0.3, 0.2], [0.1, 0.0, 0.9]])
    sharper, flatter = scaled(probabilities, 0.5), scaled(probabilities, 3.0)
    for result in (sharper, flatter):
        assert np.allclose(result.sum(axis=1), 1.0)
        assert (result.argmax(axis=1) == probabilities.argmax(axis=1)).all()
        assert result[1, 1] == 0.0  # a class nobody voted for stays impossible
    assert sharper[0, 0] > 0.5 > flatter[0, 0]
    assert np.allclose(sharper[0], np.asarray([25, 9, 4]) / 38)
    assert np.allclose(scaled(probabilities, 1.0), probabilities)


@pytest.mark.parametrize("true_temperature", [0.4, 2.5])
def test_the_fitted_temperature_is_the_one_the_answers_follow(true_temperature):
    rng = np.random.default_rng(0)
    raw = rng.dirichlet(np.ones(5), size=4000)
    truth = scaled(raw, true_temperature)
    columns = np.asarray([rng.choice(5, p=row) for row in truth])
    assert fit_temperature(raw, columns) == pytest.approx(true_temperature, rel=0.1)


def test_calibration_error_compares_confidence_with_accuracy():
    confidence = np.full(100, 0.9)
    assert calibration_metrics(confidence, np.arange(100) < 90)["ece"] == pytest.approx(0.0)
    off = calibration_metrics(confidence, np.arange(100) < 50)
    assert off["ece"] == pytest.approx(0.4) and off["mean_confidence"] == pytest.approx(0.9)
    assert off["brier_top"] == pytest.approx(0.5 * 0.01 + 0.5 * 0.81)
    mixed = calibration_metrics([0.2, 0.2, 1.0, 1.0], [False, False, True, True])
    assert mixed["ece"] == pytest.approx(0.1)  # half the answers 0.2 off, half exact
    with pytest.raises(ValueError):
        calibration_metrics([], [])


def test_reliability_rows_and_plot(tmp_path):
    rows = reliability_rows([0.05, 0.95, 0.97, 1.0], [False, True, False, True])
    assert [row["n"] for row in rows] == [1, 3]
    assert rows[1]["accuracy"] == pytest.approx(2 / 3, abs=1e-4) and rows[0]["range"] == [0.0, 0.067]
    reliability_plot({"model": ([0.2, 0.9], [False, True])}, tmp_path / "c.png", "title")
    assert (tmp_path / "c.png").stat().st_size > 1000
