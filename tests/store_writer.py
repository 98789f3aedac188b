"""A child process for the durability and lock tests.

python -m tests.store_writer write PATH BATCH   upsert batches forever, printing "ack N" after each
python -m tests.store_writer hold PATH          open the store, print "open", wait
python -m tests.store_writer open PATH          try to open the store, print the outcome
"""

from __future__ import annotations

import sys
import time

from store import StoreError, open_store
from tests.store_helpers import DIM, make_messages, make_vectors


def main(argv: list[str]) -> None:
    command, path = argv[0], argv[1]
    if command == "open":
        try:
            open_store("embedded", path=path, dimension=DIM).close()
            print("opened", flush=True)
        except StoreError as error:
            print(f"{type(error).__name__}: {error}", flush=True)
        return
    store = open_store("embedded", path=path, dimension=DIM)
    if command == "hold":
        print("open", flush=True)
        time.sleep(600)
    batch = int(argv[2])
    sent = 0
    while True:
        store.messages.upsert(make_messages(batch, offset=sent), make_vectors(batch, offset=sent))
        sent += batch
        print(f"ack {sent}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
