"""The keymap file: checked line by line, then applied to the run screen and the review.

The validator's tests use the binding ids the Apps really declare (golive.tui.keymap
reads them off BINDINGS), so a renamed binding breaks a test here rather than a
user's file silently. The Pilot tests press the new key and the old one on the real
Apps; the CLI tests run golive as a user does, with the file where golive looks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from golive.cli import main
from golive.core.clock import SystemClock
from golive.core.errors import GoliveError
from golive.core.keymap import Screen, config_path, load_keymap, parse_keymap
from golive.core.loader import load_runbook
from golive.core.templating import Values
from golive.io.recorded import load_record
from golive.io.ssh import SshPool
from golive.io.ssh_exec import HostExecutors
from golive.session.answers import Policy
from golive.session.session import RunOptions, start_session
from golive.tui.app import GoliveApp
from golive.tui.keymap import binding_ids, key_name, screens, user_keymap
from golive.tui.review_app import ReviewApp
from golive.tui.run import build_app
from golive.tui.run_text import question_text
from golive.tui.screens.dialogs import TextScreen
from golive.tui.screens.help import HelpScreen as ReviewHelpScreen
from golive.tui.screens.review import ReviewScreen
from golive.tui.screens.run import RunScreen
from golive.tui.widgets.cursor_list import CursorList
from tests.helpers import golive, of_type, write_runbook
from tests.test_tui_snapshots import make_scene

PATH = "/home/op/.config/golive/config.toml"

ONE_MANUAL_STEP = """
[[steps]]
id = "sign"
kind = "manual"
duration = "1m"
"""


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the keymap of the person running the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GOLIVE_CONFIG", raising=False)


def parse(text: str) -> dict[str, str]:
    return parse_keymap(PATH, textwrap.dedent(text), screens(), key_name)


def refusal(text: str) -> str:
    with pytest.raises(GoliveError) as caught:
        parse(text)
    assert caught.value.status == 2
    return str(caught.value)


# -- the binding ids come from the Apps ---------------------------------------------------
def test_the_ids_are_those_the_apps_declare() -> None:
    declared = [
        *GoliveApp.BINDINGS,
        *RunScreen.BINDINGS,
        *ReviewScreen.BINDINGS,
        *CursorList.BINDINGS,
    ]
    ids = {b.id for b in declared if isinstance(b, Binding) and b.id is not None}
    assert binding_ids() == ids
    assert {"run.rollback", "run.note", "review.panes", "app.help", "list.up"} <= binding_ids()
    run, review = screens()
    assert run.keys["app.help"] == ("question_mark", "h")  # "?" as Textual names it
    assert "ctrl+q" not in run.reserved  # the run screen binds ctrl+q itself (app.ctrl-quit)
    assert review.reserved["ctrl+q"] == "quit" and run.reserved["tab"] == "focus next"


# -- a good file ----------------------------------------------------------------------------
def test_a_good_file_maps_ids_to_keys() -> None:
    keymap = parse(
        """
        # my keys
        [keys]
        "run.rollback" = "ctrl+b"
        "run.note" = "f2, ctrl+n"
        "app.help" = "?"
        "review.zoom_in" = "+"
        "run.retry" = "s"   # a swap: neither key is lost
        "run.skip" = "t"
        "review.much_later" = "ctrl+shift+right"
        """
    )
    assert keymap == {
        "run.rollback": "ctrl+b",
        "run.note": "f2,ctrl+n",
        "app.help": "?",
        "review.zoom_in": "+",
        "run.retry": "s",
        "run.skip": "t",
        "review.much_later": "ctrl+shift+right",
    }


def test_an_empty_file_or_table_maps_nothing() -> None:
    assert parse("") == {}
    assert parse("[keys]\n") == {}
    assert parse('keys = { "run.note" = "f2" }') == {"run.note": "f2"}


# -- every refusal names its line -------------------------------------------------------------
REFUSED = [
    # TOML syntax: tomllib's line, the loader's hints
    ('[keys]\n"run.rollback" = ctrl+b\n', 2, "TOML syntax: invalid value", 'put text in double quotes: "ctrl+b"'),
    ('[keys]\n\n"run.rollback" = "ctrl+b\n', 3, "TOML syntax", "missing its closing double quote"),
    ('[keys]\n"run.note" = "a"\n"run.note" = "c"\n', 3, "TOML syntax: cannot overwrite a value", "only once"),
    # unknown tables and keys at the top
    ('[keys]\n"run.note" = "f2"\n\n[key]\n', 4, "unknown table [key]", "did you mean 'keys'?"),
    ('theme = "dark"\n[keys]\n', 1, "unknown key 'theme' at the top level", "the file has one table, [keys]"),
    ('"run.rollback" = "ctrl+b"\n', 1, "unknown key 'run.rollback'", "binding ids go under [keys]"),
    ("keys = 3\n", 1, "keys must be a table of binding id = key, not a whole number", "[keys]"),
    # unknown binding ids
    ('[keys]\n"run.note" = "f2"\n"run.rollbak" = "ctrl+b"\n', 3, "unknown binding id 'run.rollbak' in [keys]", "did you mean 'run.rollback'?"),
    ('[keys]\n"zap" = "z"\n', 2, "unknown binding id 'zap'", "press ? on the run screen or in golive review"),
    ('[keys]\nrun.rollback = "ctrl+b"\n', 2, "the binding id 'run.rollback' must be written in double quotes", 'write "run.rollback" = ...'),
    # values that are not a string of keys
    ('[keys]\n"run.rollback" = 3\n', 2, '"run.rollback" must be a string of keys, not a whole number', 'write "run.rollback" = "ctrl+b"'),
    ('[keys]\n"run.rollback" = true\n', 2, "not true/false", ""),
    ('[keys]\n"run.rollback" = ["ctrl+b", "f5"]\n', 2, "not a list", 'comma-separated: "ctrl+b,f5"'),
    ('[keys]\n"run.rollback" = { key = "b" }\n', 2, "unknown binding id 'run.rollback.key'", ""),
    # empty keys
    ('[keys]\n"run.rollback" = ""\n', 2, '"run.rollback" has no key', 'name a key, such as "ctrl+b"'),
    ('[keys]\n"run.rollback" = " "\n', 2, '"run.rollback" has no key', "the space bar is written space"),
    ('[keys]\n"run.rollback" = "b,"\n', 2, '"run.rollback" = "b,": an empty key between commas', "the comma key is written comma"),
    ('[keys]\n"run.rollback" = "ctrl+"\n', 2, "no key after ctrl+", "the + key is written plus"),
    ('[keys]\n"run.rollback" = "+b"\n', 2, "nothing before a + in +b", "write a modifier"),
    ('[keys]\n"run.rollback" = "ctrl b"\n', 2, '"ctrl b" is not one key', "join a modifier to its key with +"),
    # modifiers
    ('[keys]\n"run.rollback" = "control+b"\n', 2, 'unknown modifier "control"', "did you mean 'ctrl'?"),
    ('[keys]\n"run.rollback" = "cmd+b"\n', 2, 'unknown modifier "cmd"', "the modifiers are alt, ctrl, hyper, meta, shift, super"),
    ('[keys]\n"run.rollback" = "shift+ctrl+b"\n', 2, "the modifiers of shift+ctrl+b are out of order", "write ctrl+shift+b"),
    ('[keys]\n"run.rollback" = "ctrl+ctrl+b"\n', 2, "a modifier is written twice", "write ctrl+b"),
    # a key another binding keeps, or Textual's own
    ('[keys]\n"run.rollback" = "q"\n', 2, '"run.rollback" = "q": q is already app.quit on the run screen', "give app.quit another key too"),
    ('[keys]\n"run.note" = "?"\n', 2, "? is already app.help on the run screen", ""),
    ('[keys]\n"run.note" = "x"\n"run.pause" = "f3,x"\n', 3, "x is given to run.note on the run screen", "pick another key for run.pause"),
    ('[keys]\n"list.up" = "k"\n', 2, "k is already review.filter_kind on the review", ""),
    ('[keys]\n"run.note" = "tab"\n', 2, "tab is Textual's own key on the run screen (focus next)", "pick another key for run.note"),
    ('[keys]\n"app.quit" = "ctrl+q"\n', 2, "ctrl+q is", ""),
    ('[keys]\n"review.panes" = "ctrl+p"\n', 2, "Textual's own key on the review (the command palette)", ""),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "what", "hint"), REFUSED)
def test_each_problem_is_refused_on_its_line(text: str, line: int, what: str, hint: str) -> None:
    said = refusal(text)
    assert said.startswith(f"{PATH}:{line}: "), said
    assert what in said, said
    assert hint in said and said.endswith(")"), said  # a hint, always


def test_the_first_problem_by_line_is_the_one_said() -> None:
    said = refusal('[keys]\n"run.note" = 3\n"zap" = "z"\n\n[extra]\n')
    assert said.startswith(f"{PATH}:2: "), said


def test_control_characters_are_shown_not_obeyed() -> None:
    said = refusal('[keys]\n"run.\\u001b[2Jnote" = "b"\n')
    assert "\x1b" not in said and "\\x1b" in said, said


def test_the_core_needs_only_what_the_tui_passes() -> None:
    """No Textual in golive.core: a screen is the ids, their keys and the reserved keys."""
    screen = Screen("the test screen", {"x.one": ("a",), "x.two": ("b",)}, {"tab": "focus"})
    assert parse_keymap("k.toml", '[keys]\n"x.one" = "c"\n', [screen]) == {"x.one": "c"}
    with pytest.raises(GoliveError, match=r"^k.toml:2: .*b is already x.two on the test screen"):
        parse_keymap("k.toml", '[keys]\n"x.one" = "b"\n', [screen])


# -- where the file is ------------------------------------------------------------------------
def test_where_the_file_is_looked_for() -> None:
    home = {"HOME": "/home/op"}
    assert config_path(home) == ("/home/op/.config/golive/config.toml", False)
    assert config_path({**home, "XDG_CONFIG_HOME": "/etc/op"}) == (
        "/etc/op/golive/config.toml",
        False,
    )
    # The XDG spec ignores a relative value.
    assert config_path({**home, "XDG_CONFIG_HOME": "rel"})[0].startswith("/home/op/.config/")
    assert config_path({**home, "XDG_CONFIG_HOME": "/etc/op", "GOLIVE_CONFIG": "k.toml"}) == (
        "k.toml",
        True,
    )


def test_no_file_no_keymap_but_a_named_file_must_exist(tmp_path: Path) -> None:
    assert load_keymap(screens(), {"HOME": str(tmp_path)}) == {}
    assert load_keymap(screens(), {"XDG_CONFIG_HOME": str(tmp_path)}) == {}
    missing = tmp_path / "nope.toml"
    with pytest.raises(GoliveError, match=r"nope\.toml: no such file \(GOLIVE_CONFIG names it"):
        load_keymap(screens(), {"GOLIVE_CONFIG": str(missing)})
    with pytest.raises(GoliveError, match="is a directory"):
        load_keymap(screens(), {"GOLIVE_CONFIG": str(tmp_path)})


def test_the_file_is_read_from_xdg_config_home(tmp_path: Path) -> None:
    folder = tmp_path / "xdg" / "golive"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('[keys]\n"run.rollback" = "ctrl+b"\n')
    assert user_keymap({"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) == {"run.rollback": "ctrl+b"}
    (folder / "config.toml").write_bytes(b'[keys]\n"run.note" = "\xff"\n')
    with pytest.raises(GoliveError, match=r"config.toml:2: not UTF-8 text"):
        user_keymap({"XDG_CONFIG_HOME": str(tmp_path / "xdg")})


# -- applied: the new key acts, the old one no longer does --------------------------------------
def keys_file(tmp_path: Path, body: str) -> dict[str, str]:
    """The environment that points golive at a keymap file holding `body`."""
    path = tmp_path / "keys.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return {"GOLIVE_CONFIG": str(path)}


async def test_the_run_screen_answers_to_the_remapped_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keymap = user_keymap(
        keys_file(tmp_path, '[keys]\n"run.rollback" = "ctrl+b"\n"run.note" = "f2,ctrl+n"\n')
    )
    loaded = load_runbook(str(write_runbook(tmp_path, ONE_MANUAL_STEP)))
    assert loaded.runbook is not None
    journal = tmp_path / "run.jsonl"
    session = start_session(
        loaded.runbook,
        str(journal),
        Values({}, {}),
        SystemClock(),
        RunOptions(mode="rehearsal", operator="alice"),
    )
    pool = SshPool()
    policy = Policy(operator="alice", interactive=True)
    app = build_app(session, HostExecutors(pool), policy, keymap=keymap)
    told: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **_: told.append(str(message)))
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await pilot.press("b")  # rollback's old key: nothing
            await pilot.pause(0.2)
            assert told == []
            await pilot.press("ctrl+b")  # its new one: no point reached yet, it says so
            for _ in range(50):
                if told:
                    break
                await pilot.pause(0.05)
            assert told == ["No rollback point has been reached."]

            await pilot.press("n")  # note's old key: no dialog
            await pilot.pause(0.2)
            assert not isinstance(app.screen, TextScreen)
            await pilot.press("f2")
            for _ in range(50):
                if isinstance(app.screen, TextScreen):
                    break
                await pilot.pause(0.05)
            assert isinstance(app.screen, TextScreen)
            await pilot.press(*"db ok", "enter")
            for _ in range(50):
                if of_type(journal, "note"):
                    break
                await pilot.pause(0.05)
            assert [e["text"] for e in of_type(journal, "note")] == ["db ok"]
    finally:
        if app.driver is not None:
            app.driver.stop()
            app.driver.cancel_running()
        session.close()
        pool.close()


@pytest.fixture(scope="module")
def dry_run_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal to review: a dry run of one manual step, confirmed by --yes."""
    folder = tmp_path_factory.mktemp("dry")
    journal = folder / "dry.jsonl"
    runbook = write_runbook(folder, ONE_MANUAL_STEP)
    done = golive(
        "run", runbook, "--dry-run", "--yes", "--console", "--journal", journal,
        env={"HOME": str(folder), "XDG_CONFIG_HOME": "", "GOLIVE_CONFIG": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return journal


async def test_the_review_answers_to_the_remapped_keys(
    tmp_path: Path, dry_run_journal: Path
) -> None:
    keymap = user_keymap(keys_file(tmp_path, '[keys]\n"review.panes" = "w"\n"app.help" = "f1"\n'))
    app = ReviewApp(load_record(str(dry_run_journal), samples=False), load_samples=False)
    app.set_keymap(keymap)  # as golive review does
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("v")  # the panes' old key: nothing
        await pilot.pause()
        assert not screen.has_class("-swapped")
        await pilot.press("w")
        await pilot.pause()
        assert screen.has_class("-swapped")
        await pilot.press("question_mark")  # help's old key: no help
        await pilot.pause()
        assert not isinstance(app.screen, ReviewHelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, ReviewHelpScreen)


# -- the command line -------------------------------------------------------------------------------
BAD = '[keys]\n"run.note" = "f2"\n"run.rollbak" = "ctrl+b"\n'


def test_a_bad_file_stops_golive_review_with_its_line(
    tmp_path: Path, dry_run_journal: Path
) -> None:
    config = tmp_path / "xdg" / "golive" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(BAD, encoding="utf-8")
    env = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    done = golive("review", dry_run_journal, env={**env, "GOLIVE_CONFIG": ""})
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (
        f"golive: {config}:3: unknown binding id 'run.rollbak' in [keys] "
        "(did you mean 'run.rollback'?)\n"
    )
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_bad_file_stops_golive_run_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a terminal (the run screen would open): refused before the journal exists."""
    monkeypatch.setenv("GOLIVE_CONFIG", str(tmp_path / "keys.toml"))
    (tmp_path / "keys.toml").write_text(BAD, encoding="utf-8")
    monkeypatch.setattr("golive.commands.run.screen_streams", lambda: True)
    runbook = write_runbook(tmp_path, ONE_MANUAL_STEP)
    journal = tmp_path / "run.jsonl"
    assert main(["run", str(runbook), "--rehearsal", "--journal", str(journal)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"golive: {tmp_path / 'keys.toml'}:3: unknown binding id"), err
    assert out == "" and not journal.exists()
    assert not (tmp_path / "journals").exists()


def test_the_console_does_not_read_the_keymap(tmp_path: Path) -> None:
    """--console opens no screen: a bad keymap file does not stand in a rehearsal's way."""
    (tmp_path / "keys.toml").write_text(BAD, encoding="utf-8")
    runbook = write_runbook(tmp_path, ONE_MANUAL_STEP)
    journal = tmp_path / "run.jsonl"
    done = golive(
        "run", runbook, "--rehearsal", "--yes", "--console", "--journal", journal,
        env={"GOLIVE_CONFIG": str(tmp_path / "keys.toml")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


async def test_the_header_names_the_remapped_keys(tmp_path: Path) -> None:
    """The prompt on line 2 says the keys the operator must press, as remapped."""
    from tests.test_tui_snapshots import make_scene

    scene = make_scene("failed", tmp_path)
    scene.app.set_keymap({"run.rollback": "ctrl+b", "run.retry": "f5,r"})
    try:
        async with scene.app.run_test(size=(100, 30)) as pilot:
            await scene.run_before(pilot)
            screen = scene.app.run_screen
            prompt = question_text(screen.view, screen.questions, screen.key)
            assert "f5 retry · s skip · ctrl+b roll back" in prompt, prompt
    finally:
        scene.session.close()


async def test_the_footer_is_rebuilt_only_when_its_keys_change(tmp_path: Path) -> None:
    """Back from a dialog the footer keeps its key widgets (a rebuild costs the operator
    about 40 ms); a keymap applied while the screen runs shows its keys at once."""
    scene = make_scene("start", tmp_path)
    try:
        async with scene.app.run_test(size=(160, 48)) as pilot:
            await scene.run_before(pilot)
            app = scene.app
            footer = app.screen.query_one(Footer)

            def shown() -> list[tuple[str, str]]:
                return [(k.key_display, k.description) for k in footer.query(FooterKey)]

            await pilot.pause()
            before = list(footer.query(FooterKey))
            assert ("n", "Note") in shown()
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, TextScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, RunScreen)
            assert list(footer.query(FooterKey)) == before  # the same widgets, not rebuilt

            app.set_keymap({"run.note": "f2"})
            for _ in range(50):
                if ("f2", "Note") in shown():
                    break
                await pilot.pause(0.05)
            assert ("f2", "Note") in shown() and ("n", "Note") not in shown()
    finally:
        scene.session.close()
