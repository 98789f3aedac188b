"""Heads are saved as UTF-8 whatever the locale, so Cyrillic labels and texts survive a save and a load."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# run as a file, which Python reads as UTF-8 under any locale
SCRIPT = """
import sys
from pathlib import Path
import numpy as np
from sentiment.head import SentimentHead
from topics.supervised import SupervisedTopics, load_supervised
from training.sentiment import train_sentiment_head

out = Path(sys.argv[1])
rng = np.random.default_rng(0)
words = {"доставка": ["курьер", "опоздал"], "возврат": ["деньги", "верните"]}
vectors, texts, labels = [], [], []
for index, (label, pair) in enumerate(words.items()):
    for i in range(12):
        vector = np.eye(4)[index] + 0.2 * rng.normal(size=4)
        vectors.append(vector / np.linalg.norm(vector))
        texts.append(f"{pair[i % 2]} {pair[(i + 1) % 2]} {i}")
        labels.append(label)
vectors = np.asarray(vectors, dtype=np.float32)
SupervisedTopics(folds=3).fit(vectors, texts, labels).save(out / "topics", {"name": "темы"})
print(sorted(load_supervised(out / "topics").classes_))
tones = ["negative"] * 12 + ["positive"] * 12 + ["neutral"] * 12
head = train_sentiment_head(np.concatenate([vectors, vectors[:12]]), tones, "tiny", texts=texts + texts[:12], min_df=1)
head.save(out / "sentiment", {"name": "тон"})
print(SentimentHead.load(out / "sentiment").manifest["name"])
"""


def test_heads_with_cyrillic_labels_save_and_load_under_an_ascii_locale(tmp_path):
    script = tmp_path / "save_heads.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["['возврат', 'доставка']", "тон"]
