"""A value never becomes shell syntax: the injection matrix, run here and over real sshd.

Every payload, in every context golive accepts, must reach the command verbatim as
one word (printf '[%s]' shows the word's edges), and the marker file it tries to
create must never appear. Every context golive cannot prove safe must be refused by
`golive check` with the placeholder's own line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.core.runbook import Host
from golive.core.shell import analyse
from golive.core.templating import Masker, UnsafeCommand, Values
from golive.io.executor import Job
from golive.io.local import LocalExecutor
from golive.io.ssh import SshPool
from golive.io.ssh_exec import SshExecutor
from tests.helpers import golive, of_type, write_runbook

MARK = "MARKER"  # replaced by the marker file's path in each test

PAYLOADS = [
    f"5.0.3; touch {MARK}",
    f"$(touch {MARK})",
    f"`touch {MARK}`",
    f"x\ntouch {MARK} #",
    f"'; touch {MARK}; echo '",
    f'"; touch {MARK}; echo "',
    f"EOF\ntouch {MARK}\nEOF",
    f"a[$(touch {MARK})]",
    f"|| touch {MARK} &",
    "\\",
    "$HOME ${IFS} $((1+1)) !!",
    "*",
    "  spaced  out  ",
    "-n",
    "\x1b]2;PWNED\x07\x1b[2J",
    "",
    "ünïcødé δ 中文 ••",
    "line one\r\nline two\n",
]

# (id, script, what a verbatim value prints)
ACCEPTED: list[tuple[str, str, Callable[[str], str]]] = [
    ("bare", "printf '[%s]\\n' {{x}}", lambda v: f"[{v}]\n"),
    ("double", "printf '[%s]\\n' \"{{x}}\"", lambda v: f"[{v}]\n"),
    ("double-text", "printf '[%s]\\n' \"release {{x}} now\"", lambda v: f"[release {v} now]\n"),
    ("double-backslash", "printf '[%s]\\n' \"\\\\{{x}}\"", lambda v: f"[\\{v}]\n"),
    ("single", "printf '[%s]\\n' '{{x}}'", lambda v: f"[{v}]\n"),
    ("single-text", "printf '[%s]\\n' 'v={{x}};'", lambda v: f"[v={v};]\n"),
    ("glued", "printf '[%s]\\n' --opt={{x}}", lambda v: f"[--opt={v}]\n"),
    (
        "after-a-comment",
        "# don't deploy before the freeze is confirmed\nprintf '[%s]\\n' {{x}}",
        lambda v: f"[{v}]\n",
    ),
    ("assignment", "V={{x}}\nprintf '[%s]\\n' \"$V\"", lambda v: f"[{v}]\n"),
    (
        "export",
        'export V={{x}}\nsh -c \'printf "[%s]\\n" "$V"\'',
        lambda v: f"[{v}]\n",
    ),
    ("heredoc", "cat <<EOF\n[{{x}}]\nEOF", lambda v: f"[{v}]\n"),
    ("heredoc-quotes", "cat <<EOF\n'{{x}}' \"{{x}}\"\nEOF", lambda v: f"'{v}' \"{v}\"\n"),
    ("heredoc-indented", "cat <<-EOF\n\t  [{{x}}]\n\tEOF", lambda v: f"  [{v}]\n"),
    (
        "heredoc-read-loop",
        "while IFS= read -r l; do printf '[%s]\\n' \"$l\"; done <<EOF\n{{x}}\nEOF",
        lambda v: "".join(f"[{line}]\n" for line in v.split("\n")),
    ),
    (
        "command-substitution",
        "printf '[%s]\\n' \"$(printf '%s' {{x}})\"",
        lambda v: f"[{v.rstrip(chr(10))}]\n",
    ),
    (
        "nested-quotes",
        "printf '[%s]\\n' \"$(printf '%s' \"{{x}}\")\"",
        lambda v: f"[{v.rstrip(chr(10))}]\n",
    ),
    ("for-loop", "for w in {{x}}; do printf '[%s]\\n' \"$w\"; done", lambda v: f"[{v}]\n"),
    (
        "case",
        'case {{x}} in "$GOLIVE_VAR_x") echo same;; *) echo differs;; esac',
        lambda v: "same\n",
    ),
    (
        "test",
        'if [ {{x}} = "$GOLIVE_VAR_x" ]; then echo equal; else echo differs; fi',
        lambda v: "equal\n",
    ),
    ("function", "f() { printf '[%s]\\n' \"$1\"; }\nf {{x}}", lambda v: f"[{v}]\n"),
    ("subshell-pipe", "( printf '[%s]\\n' {{x}} ) | cat", lambda v: f"[{v}]\n"),
    (
        "sh-positional",
        'sh -c \'printf "[%s]\\n" "$1"\' sh {{x}}',
        lambda v: f"[{v}]\n",
    ),
]

# (id, script): places where no value can be proved to stay data
REFUSED: list[tuple[str, str]] = [
    ("comment", "echo ok # deploying {{x}}"),
    ("quoted-heredoc", "cat <<'EOF'\n{{x}}\nEOF"),
    ("escaped-heredoc", "cat <<EOF\n\\{{x}}\nEOF"),
    ("backquotes", "echo `echo {{x}}`"),
    ("backquotes-in-double", 'echo "`echo {{x}}`"'),
    ("eval", 'eval "echo {{x}}"'),
    ("sh-c", 'sh -c "echo {{x}}"'),
    ("sudo-bash-c", "sudo -u postgres bash -c 'echo {{x}}'"),
    ("arithmetic", "echo $(( {{x}} + 1 ))"),
    ("default-expansion", "echo ${V:-{{x}}}"),
    ("double-brackets", "[[ {{x}} -eq 1 ]] && echo one"),
    ("trap", "trap 'echo {{x}}' EXIT"),
    ("ssh", "ssh db1 echo {{x}}"),
    ("pipe-to-shell", "echo {{x}} | sh"),
    ("heredoc-to-shell", "sh <<EOF\necho {{x}}\nEOF"),
    ("read", "read {{x}} < /dev/null"),
    ("ansi-c", "echo $'{{x}}'"),
    ("awk-program", "awk 'BEGIN { print \"{{x}}\" }'"),
    ("sed-script", "sed 's/old/{{x}}/' /dev/null"),
    ("python-c", "python3 -c 'print(\"{{x}}\")'"),
    ("program-name", "{{x}} --version"),
    ("xargs-sh", "echo {{x}} | xargs -I{} sh -c 'echo {}'"),
]


def lines_of(text: str) -> list[str]:
    """The lines golive records for `text` (split on LF, a trailing CR dropped)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def run_job(executor: Any, host: Host, script: str, value: str) -> tuple[list[str], Any]:
    rendered = Values({"x": value}, {}).render(script)
    got: list[str] = []
    job = Job(rendered.command, host, timeout=20, env=rendered.env, masker=Masker(()))
    result = executor.run(
        job, lambda stream, line: got.append(f"{stream}:{line}"), threading.Event()
    )
    return got, result


def check_matrix(executor: Any, host: Host, marker: Path, workdir: Path) -> int:
    cases = 0
    failures: list[str] = []
    for context, script, expected in ACCEPTED:
        for template in PAYLOADS:
            value = template.replace(MARK, str(marker))
            got, result = run_job(executor, host, script, value)
            want = [f"out:{line}" for line in lines_of(expected(value))]
            if got != want or result.exit != 0:
                failures.append(f"{context} {value!r}: got {got} exit {result.exit} {result.error}")
            if marker.exists():
                failures.append(f"{context} {value!r}: the payload RAN")
                marker.unlink()
            cases += 1
    assert not failures, "\n".join(failures[:20])
    return cases


def test_every_payload_reaches_a_local_command_verbatim_in_every_accepted_context(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "PWNED"
    cases = check_matrix(
        LocalExecutor(cwd=str(tmp_path)), Host("local", local=True), marker, tmp_path
    )
    assert cases == len(ACCEPTED) * len(PAYLOADS) >= 12 * 8
    assert not marker.exists()


@pytest.mark.slow
def test_every_payload_reaches_a_remote_command_verbatim_over_real_sshd(
    tmp_path: Path, sshd: Any
) -> None:
    marker = tmp_path / "PWNED"
    address, port = sshd.hosts[0]
    host = Host(
        "h1", address=address, port=port, user=sshd.user, identity_file=str(sshd.identity_file)
    )
    pool = SshPool(known_hosts=str(sshd.known_hosts))
    try:
        cases = check_matrix(SshExecutor(pool), host, marker, tmp_path)
    finally:
        pool.close()
    assert cases == len(ACCEPTED) * len(PAYLOADS)
    assert not marker.exists()


@pytest.mark.parametrize(("context", "script"), REFUSED, ids=[c for c, _ in REFUSED])
def test_golive_check_refuses_every_place_it_cannot_prove_safe(
    tmp_path: Path, context: str, script: str
) -> None:
    assert analyse(script).refusals, script
    # The unsafe construct starts on line 3 of the script; check names that line, or the
    # placeholder's own line when the construct spans lines (sh <<EOF ... {{x}} ... EOF).
    body = "true\ntrue\n" + script
    runbook = write_runbook(
        tmp_path,
        '[vars]\nx = "1"\n\n[[steps]]\nid = "s"\nduration = "1s"\n'
        + "run = '''\n"
        + body
        + "\n'''\n",
    )
    done = golive("check", runbook)
    assert done.returncode == 2, done.stdout + done.stderr
    first = next(line for line in done.stderr.splitlines() if ": warning: " not in line)
    lines = runbook.read_text().splitlines()
    construct_line = lines.index("true") + 3  # the two "true" lines, then the construct
    placeholder_line = lines.index(next(line for line in lines if "{{x}}" in line)) + 1
    reported = int(first.split(":")[1])
    assert construct_line <= reported <= placeholder_line, first
    assert "{{x}}" in first and "(" in first and first.endswith(")"), first


@pytest.mark.parametrize(("context", "script"), REFUSED, ids=[c for c, _ in REFUSED])
def test_a_refused_script_is_never_run_even_if_check_is_bypassed(
    tmp_path: Path, context: str, script: str
) -> None:
    with pytest.raises(UnsafeCommand):
        Values({"x": f"; touch {tmp_path / 'PWNED'}"}, {}).render(script)


@pytest.fixture
def attack_runbook(tmp_path: Path) -> Iterator[Path]:
    """The runbook of the report: an apostrophe in a comment, then the placeholder."""
    yield write_runbook(
        tmp_path,
        """
        [vars]
        release = "5.0.3"

        [[steps]]
        id = "deploy"
        kind = "check"
        on = "local"
        duration = "1s"
        run = \"\"\"
        # don't deploy before the freeze is confirmed
        echo deploying {{release}}
        cat <<EOF
        release '{{release}}'
        EOF
        \"\"\"
        """,
    )


@pytest.mark.slow
@pytest.mark.parametrize("payload", [p for p in PAYLOADS if MARK in p])
def test_the_reported_attack_through_the_cli_creates_nothing(
    tmp_path: Path, attack_runbook: Path, payload: str
) -> None:
    marker = tmp_path / "PWNED"
    value = payload.replace(MARK, str(marker))
    assert golive("check", attack_runbook).returncode == 0
    journal = tmp_path / "j.jsonl"
    done = golive(
        "run", attack_runbook, "--rehearsal", "--console", "--yes", "--journal", journal,
        "--var", f"release={value}",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert not marker.exists()
    lines = [e["line"] for e in of_type(journal, "output")]
    assert lines == lines_of(f"deploying {value}\nrelease '{value}'\n")


@pytest.mark.slow
def test_the_reported_attack_over_ssh_creates_nothing_on_the_target(
    tmp_path: Path, sshd: Any
) -> None:
    from tests.test_ssh import isolated_env, ssh_runbook

    marker = tmp_path / "PWNED"
    runbook = ssh_runbook(
        tmp_path,
        sshd,
        """
[vars]
release = "5.0.3"

[[steps]]
id = "deploy"
on = "h1"
rollback = "true"
duration = "1s"
run = \"\"\"
# don't deploy before the freeze is confirmed
echo deploying {{release}}
cat <<EOF
release '{{release}}'
EOF
\"\"\"
""",
    )
    for payload in (p for p in PAYLOADS if MARK in p):
        value = payload.replace(MARK, str(marker))
        journal = tmp_path / f"j{PAYLOADS.index(payload)}.jsonl"
        done = golive(
            "run", runbook, "--rehearsal", "--console", "--yes", "--journal", journal,
            "--var", f"release={value}", env=isolated_env(tmp_path),
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert not marker.exists(), payload
        lines = [e["line"] for e in of_type(journal, "output")]
        assert lines == lines_of(f"deploying {value}\nrelease '{value}'\n"), payload


# -- random scripts ---------------------------------------------------------------

NOISE = [
    '# it\'s a comment with "quotes" and $(parens',
    "cat <<'EOF'\nit's $(not run) `either`\nEOF",
    'echo "it\'s" \'say "hi"\'',
    ": 'unbalanced \" quote' \\'",
    "x=$(printf '%s' \"a'b\")",
    "cat <<EOF\nplain $HOME text\nEOF",
]
# Accepted contexts weigh more, so that most scripts run and are compared.
# (The read loop splits the value into lines itself, so it is not in the mix.)
FRAGMENTS = (
    [s for c, s, _ in ACCEPTED if c != "heredoc-read-loop"] * 3
    + [s for _, s in REFUSED]
    + [
        "eval 'printf \"[%s]\\n\" {{x}}'",
        "sh -c \"printf '[%s]\\n' {{x}}\"",
        "printf '[%s]\\n' {{x}} # and {{x}} again",
        "cat <<EOF\n{{x}} $(printf '%s' done)\nEOF",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(st.sampled_from(NOISE + FRAGMENTS), min_size=1, max_size=5),
    payload=st.sampled_from([p for p in PAYLOADS if "\r" not in p]),
)
def test_random_scripts_either_get_the_value_verbatim_or_are_refused(
    tmp_path: Path, parts: list[str], payload: str
) -> None:
    """Whatever the mix of contexts: refused by check, or every use of the value gets it
    verbatim (the output equals a run with a harmless token, the token replaced), and the
    payload never runs."""
    script = "\n".join(parts)
    marker = tmp_path / "PWNED"
    if analyse(script).refusals:
        with pytest.raises(UnsafeCommand):
            Values({"x": payload}, {}).render(script)
        return
    executor, host = LocalExecutor(cwd=str(tmp_path)), Host("local", local=True)
    token = "T0KEN9q"
    value = payload.replace(MARK, str(marker))
    with_token, _ = run_job(executor, host, script, token)
    with_value, _ = run_job(executor, host, script, value)
    assert not marker.exists(), script
    expected = "\n".join(with_token).replace(token, value.replace("\n", "\nout:"))
    assert "\n".join(with_value) == expected, script
