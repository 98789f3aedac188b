"""The long-text rule: split token ids into windows that fit the model.

A text longer than the window is cut into consecutive windows of at most
``window - specials`` content tokens; each window is embedded on its own and the
text's vector is the token-weighted mean of the windows' pooled vectors
(then L2-normalised). At most ``max_windows`` windows are used, so a
100,000-character text costs bounded time and memory; the tail beyond them is
dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    text_index: int
    ids: list[int]
    weight: int


def split_windows(
    content_ids: Sequence[Sequence[int]],
    prefix_ids: Sequence[int],
    suffix_ids: Sequence[int],
    window: int,
    max_windows: int = 64,
) -> list[Window]:
    """Wrap each text's content ids with the special tokens, cutting long ones into windows."""
    room = window - len(prefix_ids) - len(suffix_ids)
    if room < 1:
        raise ValueError(f"window of {window} tokens leaves no room for content")
    windows: list[Window] = []
    for index, ids in enumerate(content_ids):
        ids = list(ids)
        chunks = [ids[start : start + room] for start in range(0, max(len(ids), 1), room)][:max_windows]
        for chunk in chunks:
            windows.append(Window(index, [*prefix_ids, *chunk, *suffix_ids], max(len(chunk), 1)))
    return windows


def length_buckets(windows: Sequence[Window], batch_size: int) -> list[list[int]]:
    """Group window indices into batches of similar length (less padding, same results)."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
