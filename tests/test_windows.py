from embeddings.windows import length_buckets, split_windows


def test_short_text_is_one_window_with_specials():
    windows = split_windows([[5, 6]], [0], [2], window=8)
    assert [w.ids for w in windows] == [[0, 5, 6, 2]]
    assert windows[0].weight == 2


def test_long_text_is_cut_into_windows_that_fit():
    windows = split_windows([list(range(10, 23))], [0], [2], window=6)
    assert all(len(w.ids) <= 6 for w in windows)
    assert [tok for w in windows for tok in w.ids[1:-1]] == list(range(10, 23))
    assert sum(w.weight for w in windows) == 13


def test_window_count_is_capped():
    windows = split_windows([list(range(10_000))], [0], [2], window=10, max_windows=3)
    assert len(windows) == 3


def test_buckets_group_similar_lengths():
    windows = split_windows([[1] * n for n in (1, 7, 2, 6)], [], [], window=10)
    buckets = length_buckets(windows, batch_size=2)
    lengths = [[len(windows[i].ids) for i in bucket] for bucket in buckets]
    assert lengths == [[1, 2], [6, 7]]
