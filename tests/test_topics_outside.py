"""Examples outside the taxonomy: the rule, the taxonomy's `outside:` list, zero-shot, the trained head,
`voc evaluate topics --outside-from` and the RUTUBE importer."""

import csv
import json

import numpy as np
import pytest
import yaml

from topics.outside import OutsideRule
from topics.taxonomy import UNKNOWN, TaxonomyError, load_taxonomy, parse_taxonomy

BASE = """owners: [{id: ops, name: Ops, queue: ops-q}]
topics:
  - {id: late, names: {ru: Опоздание}, owner: ops, description: курьер опоздал,
     examples: [курьер опоздал w1, курьер не пришёл, заказ опоздал w2]}
  - {id: refund, names: {ru: Возврат}, owner: ops, description: where is my refund,
     examples: [refund w3, where is refund w4, my refund w5]}
"""
OUTSIDE = "outside: [w40 w41 w42, w43 w44 w45]\n"
NEAR_OUTSIDE = "w40 w41 w42 w6"  # with the tiny model: a topic by similarity alone, but nearest an outside example
KNOWN = ["курьер опоздал", "where is my refund w7", "курьер опоздал w40"]


def unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def references(count=200, seed=0):
    """Vectors of three known topics around the first three axes."""
    rng = np.random.default_rng(seed)
    return unit(np.eye(8)[rng.integers(0, 3, count)] + 0.3 * rng.normal(size=(count, 8)))


def leave_one_out_gaps(outside, refs):
    similarity = refs @ refs.T
    np.fill_diagonal(similarity, -np.inf)
    return (refs @ outside.T).max(axis=1) - similarity.max(axis=1)


# the rule on synthetic vectors


def test_a_message_near_an_outside_example_is_flagged_and_one_near_a_reference_is_not():
    outside = unit(np.eye(8)[[6, 7]])
    rule = OutsideRule().fit(outside, references())
    probes = unit([np.eye(8)[6] + 0.05 * np.eye(8)[0], np.eye(8)[0] + 0.05 * np.eye(8)[6], np.eye(8)[7]])
    assert rule.flags(probes).tolist() == [True, False, True]


@pytest.mark.parametrize("rate", [0.0, 0.02, 0.1, 0.3])
def test_the_margin_is_the_most_permissive_one_within_the_flag_rate(rate):
    """Leave-one-out on the references: at most ``rate`` of them are flagged at the fitted margin, and any
    lower margin (the next gap below it) would flag more than that."""
    refs = references(120, seed=1)
    outside = unit([np.eye(8)[0] + np.eye(8)[6], np.eye(8)[1] + np.eye(8)[7]])  # close to some references
    rule = OutsideRule(max_flag_rate=rate).fit(outside, refs)
    gaps = leave_one_out_gaps(outside, refs)
    assert (gaps > rule.margin_).mean() <= rate
    lower = gaps[gaps < rule.margin_ - 1e-6]
    assert (gaps > lower.max()).mean() > rate
    assert rule.to_json()["margin"] == pytest.approx(rule.margin_, abs=1e-6)
    assert rule.to_json()["outside_examples"] == 2 and rule.to_json()["references"] == 120


def test_a_big_reference_set_is_sampled_for_fitting_with_a_fixed_seed():
    refs, outside = references(500, seed=2), unit(np.eye(8)[[0, 6]] + 0.5)
    first = OutsideRule(max_fit_references=100).fit(outside, refs)
    again = OutsideRule(max_fit_references=100).fit(outside, refs)
    whole = OutsideRule().fit(outside, refs)
    assert first.fitted_on_ == 100 and whole.fitted_on_ == 500 and first.margin_ == again.margin_
    assert (first.flags(refs) == again.flags(refs)).all()


def test_without_outside_examples_nothing_is_flagged():
    rule = OutsideRule().fit(np.zeros((0, 8)), references())
    assert not rule.flags(references(50, seed=3)).any() and rule.to_json()["margin"] is None
    assert rule.flags(np.zeros((0, 8))).shape == (0,)


# the taxonomy file


@pytest.mark.parametrize(("outside", "message"), [
    ('[hello, "  "]', r"t\.yaml: outside\.1 \(the entry '  '\): .*must not be empty or blank"),
    ("[hello, 5]", r"t\.yaml: outside\.1 \(the entry 5\): .*valid string"),
    ("hello", r"t\.yaml: outside: .*valid list"),
])
def test_a_bad_outside_list_is_refused_naming_the_file_and_the_entry(outside, message):
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(BASE + f"outside: {outside}\n", "t.yaml")


def test_outside_is_optional_and_kept_as_written():
    assert parse_taxonomy(BASE, "t.yaml").outside == []
    assert parse_taxonomy(BASE + OUTSIDE, "t.yaml").outside == ["w40 w41 w42", "w43 w44 w45"]


def test_a_workbench_rewrite_keeps_the_outside_examples(tmp_path):
    from store import open_store
    from tests.workbench_fixtures import DIM, write_run
    from topics.taxonomy import DEFAULT_TAXONOMY
    from workbench import WorkbenchPaths
    from workbench.actions import WorkbenchActions

    paths = WorkbenchPaths.of(tmp_path / "data")
    paths.taxonomy.parent.mkdir(parents=True, exist_ok=True)
    examples = ["Как узнать версию приложения?", "Что такое Smart TV?"]
    paths.taxonomy.write_text(DEFAULT_TAXONOMY.read_text(encoding="utf-8")
                              + "outside:\n" + "".join(f"  - {e}\n" for e in examples), encoding="utf-8")
    with open_store("server", url=":memory:", dimension=DIM) as store:
        write_run(store, paths.state_dir)
        WorkbenchActions(store, paths).promote("c1-1", owner="it", name_ru="Вылеты при оплате",
                                               name_en="Crash at checkout", group="app", severity=3, who="anna")
    written = load_taxonomy(paths.taxonomy)
    assert written.version == 2 and "crash_at_checkout" in [t.id for t in written.topics]
    assert written.outside == examples


def test_a_workbench_rewrite_of_a_taxonomy_without_outside_examples_adds_no_list():
    from topics.taxonomy import DEFAULT_TAXONOMY
    from workbench.taxonomy_file import taxonomy_data

    plain = load_taxonomy(DEFAULT_TAXONOMY)
    assert plain.outside == [] and "outside" not in taxonomy_data(plain)
    with_examples = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8") + "outside:\n  - Спам\n", "t.yaml")
    assert taxonomy_data(with_examples)["outside"] == ["Спам"]


# zero-shot and the trained head, with the tiny model


@pytest.fixture(scope="module")
def embedder(tiny_model_dir):
    from embeddings.loader import load_embedder

    return load_embedder(str(tiny_model_dir), tiny_model_dir.parent)


def test_zero_shot_answers_unknown_near_an_outside_example_and_nothing_else_changes(embedder):
    from topics.zero_shot import ZeroShotTopics

    texts = [NEAR_OUTSIDE, *KNOWN]
    vectors = embedder.embed(texts)
    plain = ZeroShotTopics(parse_taxonomy(BASE, "t.yaml"), embedder)
    with_outside = ZeroShotTopics(parse_taxonomy(BASE + OUTSIDE, "t.yaml"), embedder)
    before, after = plain.assign(vectors, texts), with_outside.assign(vectors, texts)
    assert before[0].topic_id != UNKNOWN  # the similarity threshold alone lets it through
    assert after[0].topic_id == UNKNOWN and after[0].owner is None
    assert [a.topic_id for a in after[1:]] == [b.topic_id for b in before[1:]] == ["late", "refund", "late"]
    assert not plain.outside.flags(vectors).any() and plain.outside.to_json()["margin"] is None
    assert with_outside.outside.to_json()["references"] == len(with_outside.phrase_vectors)


def tiny_head(embedder):
    from topics.supervised import SupervisedTopics

    texts, labels = [], []
    for i in range(12):
        texts += [f"курьер опоздал w{i}", f"where is my refund w{i + 12}"]
        labels += ["late", "refund"]
    return SupervisedTopics().fit(embedder.embed(texts), texts, labels)


def test_the_trained_head_answers_unknown_near_an_outside_example(embedder):
    from topics.trained_assigner import TrainedTopics

    head = tiny_head(embedder)
    texts = [NEAR_OUTSIDE, "курьер опоздал w30", "where is my refund w31", "курьер опоздал w40"]
    vectors = embedder.embed(texts)
    plain = TrainedTopics(head, parse_taxonomy(BASE, "t.yaml"))
    with_outside = TrainedTopics(head, parse_taxonomy(BASE + OUTSIDE, "t.yaml"), embedder=embedder)
    before, after = plain.assign(vectors, texts), with_outside.assign(vectors, texts)
    assert before[0].topic_id != UNKNOWN  # the head's own unknown answer lets it through
    assert after[0].topic_id == UNKNOWN and after[0].queue is None and after[0].top == before[0].top
    assert [a.topic_id for a in after[1:]] == [b.topic_id for b in before[1:]] == ["late", "refund", "late"]
    assert [(a.topic_id, a.confidence) for a in before] == [
        (label, a.confidence) for label, a in zip(head.predict(vectors, texts), before)]
    assert with_outside.outside.to_json()["references"] == len(head.train_vectors_)


def test_the_pipeline_passes_the_embedder_to_the_trained_head(embedder, tiny_model_dir, tmp_path):
    from analysis.factory import _topics

    folder = tiny_head(embedder).save(tmp_path / "head", {"data": "tiny"})
    topics = _topics(parse_taxonomy(BASE + OUTSIDE, "t.yaml"), embedder, folder)
    assert topics.assign(embedder.embed([NEAR_OUTSIDE]), [NEAR_OUTSIDE])[0].topic_id == UNKNOWN


# voc evaluate topics --outside-from


def write_rows(path):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "split"])
        for i in range(12):
            split = "train" if i < 8 else "test"
            writer.writerow([f"курьер опоздал w{i}", "late", split])
            writer.writerow([f"where is my refund w{i + 12}", "refund", split])
            if split == "test":
                writer.writerow([f"w40 w41 w42 w{i}", "OUT", split])
    return path


def test_evaluate_applies_the_outside_examples_after_the_heads_own_answer(tmp_path, tiny_model_dir):
    from evaluation.topics_eval import evaluate_topics

    data = write_rows(tmp_path / "d.csv")
    (tmp_path / "t.yaml").write_text(BASE + OUTSIDE, encoding="utf-8")
    kwargs = dict(split_col="split", unknown_label="OUT", model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    plain = evaluate_topics(data, "text", "label", tmp_path / "a", **kwargs)
    with_outside = evaluate_topics(data, "text", "label", tmp_path / "b", outside_from=tmp_path / "t.yaml", **kwargs)
    assert with_outside["metrics"]["unknown_recall"] > plain["metrics"]["unknown_recall"]
    assert with_outside["metrics"]["known_accuracy_without_unknown"] == plain["metrics"][
        "known_accuracy_without_unknown"]
    assert with_outside["metrics"]["known_accuracy"] <= plain["metrics"]["known_accuracy"]
    assert "2 examples outside the taxonomy" in with_outside["method"] and "outside" not in plain["method"]
    saved = json.loads((tmp_path / "b" / "report.json").read_text())
    (rule,) = next(v for k, v in saved["details"].items() if k.startswith("outside rule"))
    assert rule["outside_examples"] == 2 and rule["references"] == 16  # the training rows of known topics


def test_zero_shot_evaluation_reads_the_taxonomys_own_outside_examples(tmp_path, tiny_model_dir):
    from evaluation.topics_eval import evaluate_topics

    data = write_rows(tmp_path / "d.csv")
    kwargs = dict(unknown_label="OUT", model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    (tmp_path / "plain.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "t.yaml").write_text(BASE + OUTSIDE, encoding="utf-8")
    plain = evaluate_topics(data, "text", "label", tmp_path / "a", taxonomy=tmp_path / "plain.yaml", **kwargs)
    with_outside = evaluate_topics(data, "text", "label", tmp_path / "b", taxonomy=tmp_path / "t.yaml", **kwargs)
    assert with_outside["metrics"]["unknown_recall"] > plain["metrics"]["unknown_recall"]
    assert "2 examples outside" in with_outside["method"]


@pytest.mark.parametrize(("taxonomy", "extra", "message"), [
    (BASE, ["--split-col", "split", "--unknown-label", "OUT"], "lists no examples outside it"),
    (BASE + OUTSIDE, ["--taxonomy", "{t}", "--unknown-label", "OUT"], "leave out --outside-from"),
    (BASE + OUTSIDE, ["--split-col", "split"], "--outside-from answers 'unknown'"),
])
def test_the_cli_refuses_outside_from_in_one_line(tmp_path, tiny_model_dir, monkeypatch, taxonomy, extra, message):
    from typer.testing import CliRunner

    from cli.main import app
    from core.settings import get_settings

    data = write_rows(tmp_path / "d.csv")
    (tmp_path / "t.yaml").write_text(taxonomy, encoding="utf-8")
    args = ["evaluate", "topics", "--data", str(data), "--text-col", "text", "--label-col", "label",
            "--out", str(tmp_path / "x"), "--model", str(tiny_model_dir), "--outside-from", str(tmp_path / "t.yaml"),
            *[a.format(t=tmp_path / "t.yaml") for a in extra]]
    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and message in result.output
    assert result.output.count("error:") == 1 and not (tmp_path / "x" / "report.json").exists()


# the RUTUBE importer


def fake_rutube(folder):
    folder.mkdir()
    no_category = "ОТСУТСТВУЕТ"
    pairs = [("ВИДЕО", "Воспроизведение видео", 14), ("ВИДЕО", "Загрузка видео", 9),
             ("МОНЕТИЗАЦИЯ", "Подключение", 5), (no_category, "Отсутствует", 29)]
    faq = [("Видео не воспроизводится", "ВИДЕО", "Воспроизведение видео"),
           ("Как загрузить видео?", "ВИДЕО", "Загрузка видео"),
           ("Как подключить монетизацию?", "МОНЕТИЗАЦИЯ", "Подключение"),
           ("Что такое Smart TV?", no_category, "Отсутствует"),
           ("Можно ли скачать видео с RUTUBE?", no_category, "Отсутствует"),
           ("Что такое Smart TV? ", no_category, "Отсутствует")]

    def write(name, header, rows):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    write("taxonomy_l1_l2_from_cases.csv", ["label_l1", "label_l2", "n_cases"], pairs)
    write("rutube_knowledge_base.csv", ["topic", "kb_question", "kb_answer", "label_l1", "label_l2"],
          [(q, q, "ответ", l1, l2) for q, l1, l2 in faq])
    write("rutube_support_cases.csv", ["user_question", "agent_answer", "kb_question", "kb_answer", "label_l1",
                                       "label_l2"], [("Что за смарт тв?", "ответ", faq[3][0], "ответ", no_category,
                                                      "Отсутствует")])
    return folder


@pytest.mark.parametrize(("level", "topics"), [
    (1, ["ВИДЕО", "МОНЕТИЗАЦИЯ"]), (2, ["Воспроизведение видео", "Загрузка видео", "Подключение"])])
def test_the_importer_writes_no_category_questions_as_outside_examples(tmp_path, level, topics):
    from topics.import_rutube import main

    out = tmp_path / "rutube.yaml"
    main(["--data", str(fake_rutube(tmp_path / "rutube")), "--out", str(out), "--level", str(level)])
    taxonomy = load_taxonomy(out)
    assert [t.id for t in taxonomy.topics] == topics
    assert taxonomy.outside == ["Что такое Smart TV?", "Можно ли скачать видео с RUTUBE?"]
    assert "ОТСУТСТВУЕТ" not in json.dumps([o.model_dump() for o in taxonomy.owners], ensure_ascii=False).upper()
    assert "ОТСУТСТВУЕТ" not in yaml.safe_dump([t.model_dump() for t in taxonomy.topics], allow_unicode=True).upper()
