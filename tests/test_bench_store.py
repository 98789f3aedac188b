"""The store benchmark runs both vector placements and a reopened store in one run."""

import json

from benchmarks import store as store_bench


def test_both_placements_are_measured_side_by_side(tmp_path):
    out = tmp_path / "store.json"
    report = store_bench.main(["--sizes", "3000", "--no-local", "--quantization", "int8", "none",
                               "--workdir", str(tmp_path / "work"), "--json", str(out)])
    rows = {row["backend"]: row for row in report["rows"]}
    assert set(rows) == {"embedded/int8", "embedded/none"}
    for row in rows.values():
        assert row["points"] == 3000 and row["index"]["points"] == 3000
        assert row["source_found_at_10"] >= 0.9  # below the index threshold: an exact scan
        assert row["rss_serving_mb"] > 0 and row["search_p50_ms_reopened"] > 0
        assert row["iterate_s"] > 0 and row["iterate_s_reopened"] > 0 and row["open_s_reopened"] > 0
    ratio = report["ratios"][0]
    assert ratio["placements"] == "int8 vs none"
    assert ratio["rss_serving_ratio"] == round(rows["embedded/int8"]["rss_serving_mb"]
                                               / rows["embedded/none"]["rss_serving_mb"], 2)
    assert json.loads(out.read_text())["rows"][0]["backend"] == "embedded/int8"
