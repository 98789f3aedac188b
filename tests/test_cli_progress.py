"""Progress of long commands: bars on a terminal, a bounded number of plain lines elsewhere."""

import io

from cli.progress import Progress


def test_plain_lines_at_each_tenth_and_at_the_end():
    stream = io.StringIO()
    with Progress(stream, tty=False) as progress:
        for done in range(0, 100_001, 2048):
            progress.update("read", done, 100_000)
        progress.update("read", 100_000, 100_000)
        progress.log("clustering 100000 messages")
        progress.update("write", 100_000, 100_000)
    lines = stream.getvalue().splitlines()
    reads = [line for line in lines if line.startswith("read:")]
    assert 10 <= len(reads) <= 12 and reads[-1] == "read: 100000/100000 (100%)"
    assert "clustering 100000 messages" in lines and lines[-1] == "write: 100000/100000 (100%)"


def test_a_terminal_gets_a_bar_per_stage_and_log_lines_above_it():
    stream = io.StringIO()
    with Progress(stream, tty=True) as progress:
        progress.update("read", 500, 1000)
        progress.log("halfway")
        progress.update("read", 1000, 1000)
        progress.update("write", 10, 10)
    text = stream.getvalue()
    assert "read: 100%" in text and "1000/1000" in text and "write: 100%" in text and "halfway" in text


def test_a_bar_closes_when_its_stage_reaches_the_total_so_later_output_starts_a_new_line():
    stream = io.StringIO()
    progress = Progress(stream, tty=True)
    progress.update("embed", 10, 10)
    assert stream.getvalue().endswith("\n")  # closed: what the command prints next is not glued to the bar
    progress.update("embed", 10, 10)  # a repeated final update shows nothing more
    progress.log("table")
    assert stream.getvalue().count("embed: 100%") == 1 and stream.getvalue().endswith("table\n")
    progress.close()
