"""The service benchmark's alternated slices: each load slice against the yardstick slices beside it."""

from benchmarks.service import alternate, alternate_one_client


class ScriptedYardstick:
    """A yardstick whose readings are given in advance, one per slice."""

    def __init__(self, rates=(), single_p50s=()):
        self.rates, self.single_p50s = list(rates), list(single_p50s)

    def texts_per_s(self) -> float:
        return self.rates.pop(0)

    def single_p50_ms(self, seconds: float) -> float:
        assert seconds > 0
        return self.single_p50s.pop(0)


def test_one_client_slices_are_compared_with_the_embedding_on_either_side():
    yardstick = ScriptedYardstick(single_p50s=[10.0, 12.0, 14.0])
    client = iter([{"p50_ms": 13.0}, {"p50_ms": 16.0}])
    tags = []

    def run(seconds: float, tag: str) -> dict:
        tags.append((seconds, tag))
        return next(client)

    result = alternate_one_client(yardstick, run, pairs=2, slice_s=10.0, settle_s=0)
    assert result["beyond_embedding_ms"] == [2.0, 3.0]  # 13 - mean(10, 12), 16 - mean(12, 14)
    assert result["p50_ms"] == [13.0, 16.0] and result["median_p50_ms"] == 14.5
    assert result["median_beyond_embedding_ms"] == 2.5
    assert tags == [(10.0, "e0"), (10.0, "e1")] and not yardstick.single_p50s  # E C E C E


def test_throughput_slices_are_ratios_to_the_yardstick_on_either_side():
    yardstick = ScriptedYardstick(rates=[100.0, 80.0, 90.0])
    loads = iter([{"requests_per_s": 81.0}, {"requests_per_s": 2.5}])
    result = alternate(yardstick, lambda seconds, tag: next(loads), 1, 1, 10.0, settle_s=0)
    assert result["ratios"] == [0.9] and result["median"] == 0.9
    result = alternate(ScriptedYardstick(rates=[100.0, 100.0]), lambda s, t: next(loads), 32, 1, 10.0, settle_s=0)
    assert result["ratios"] == [0.8]  # batch calls count 32 messages each
