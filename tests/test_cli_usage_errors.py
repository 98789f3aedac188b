"""The console script (`cli.main.main`) says a bad option or argument in one `error:` line naming it
and the command's --help, exit code 2, as the README promises, instead of a framed box of four lines."""

import pytest

from cli.main import main
from core.settings import get_settings


@pytest.fixture(autouse=True)
def settings_read_afresh():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_main(capsys, *args):
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


@pytest.mark.parametrize(("args", "said"), [
    (["embed", "--bogus"], "error: No such option: --bogus (see 'voc embed --help')"),
    (["demo", "--limit", "3"], "error: Invalid value for '--limit': Input should be greater than or equal to 10 "
                               "(see 'voc demo --help')"),
    (["train", "topics"], "error: Missing option '--data'. (see 'voc train topics --help')"),
    (["nosuch"], "error: No such command 'nosuch'. (see 'voc --help')"),
])
def test_a_usage_error_is_one_line_naming_the_option(capsys, args, said):
    code, out, err = run_main(capsys, *args)
    assert (code, out, err) == (2, "", said + "\n")


def test_help_and_a_bare_group_still_print_the_help(capsys):
    code, out, err = run_main(capsys, "models")
    assert code == 2 and "verify" in out and err == ""
    code, out, _ = run_main(capsys, "erase", "--help")
    assert code == 0 and "Examples" in out and "voc erase --customer" in out
    code, out, _ = run_main(capsys, "embed", "--help")
    assert code == 0 and "Examples" in out


def test_a_command_that_returns_its_summary_exits_with_zero(capsys, monkeypatch):
    from workbench import demo_loader

    monkeypatch.setattr(demo_loader, "load_demo", lambda *a, **k: {"messages": 1, "clusters": 1, "run_id": "r1",
                                                                     "statuses": {}, "seconds": {"total": 0}})
    code, out, _ = run_main(capsys, "demo", "--data-dir", "/nonexistent-voc-test")
    assert code == 0 and "demo ready" in out
