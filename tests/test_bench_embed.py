"""The embedding benchmark reports the providers each session really got."""

import json

from benchmarks import embed


def test_cuda_requested_on_a_cpu_runtime_is_reported_as_cpu(tiny_model_dir, tmp_path):
    out = tmp_path / "embed.json"
    report = embed.main([
        "--quick", "--no-peer", "--models", tiny_model_dir.name, "--models-dir", str(tiny_model_dir.parent),
        "--providers", "cuda", "cpu", "--embed-batch-size", "8", "--json", str(out),
    ])
    row = report["results"][0]
    assert row["providers"] == "CPU"
    assert "cosine_vs_cpu_min" not in row  # no second provider to compare with
    assert row["texts_per_s_batch32"] > 0
    saved = json.loads(out.read_text())
    assert saved["providers"] == ["cuda", "cpu"] and saved["embed_batch_size"] == 8


def test_a_batch_size_below_one_is_refused(capsys):
    try:
        embed.main(["--embed-batch-size", "0"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("--embed-batch-size 0 was accepted")
    assert "--embed-batch-size must be at least 1" in capsys.readouterr().err


def test_spinning_both_measures_each_policy_side_by_side(tiny_model_dir):
    report = embed.main([
        "--quick", "--no-peer", "--models", tiny_model_dir.name, "--models-dir", str(tiny_model_dir.parent),
        "--spinning", "both",
    ])
    policies = [row for row in report["results"] if "providers" not in row]
    assert [row["spinning"] for row in policies] == ["on", "off"]
    assert all(row["p50_ms"] > 0 for row in policies)
    assert policies[0]["p50_ratio_off_vs_on"] == round(policies[1]["p50_ms"] / policies[0]["p50_ms"], 2)
