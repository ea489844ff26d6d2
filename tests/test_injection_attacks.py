"""The attacks a red team found against the first placeholder analysis, kept.

Each script was accepted by `golive check`, and a `--var` value then ran code (or, for
the last few, ran code only where /bin/sh is bash). Every one must now be refused.
The payload that broke each one is in the red team's notes; with the script refused,
no payload runs. The injection matrix (tests/test_injection.py) proves the accepted
contexts still get every payload verbatim.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.core.shell import analyse
from golive.core.templating import UnsafeCommand, Values
from tests.helpers import golive, write_runbook

FOUND: list[tuple[str, str]] = [
    ("pipefail", 'bash -o pipefail -c "echo deploying {{x}} | tee /tmp/rt/deploy.log"'),
    ("sudo-pipefail", "sudo -u postgres bash -o pipefail -c 'echo {{x}}'"),
    ("timeout-bash-o", "timeout 60 bash -e -u -o pipefail -c 'echo {{x}}'"),
    ("extglob", 'bash -O extglob -c "echo {{x}}"'),
    ("rcfile", 'bash --rcfile /dev/null -c "echo {{x}}"'),
    ("bs-sh", 's\\h -c "echo {{x}}"'),
    ("qq-sh", "s''h -c \"echo {{x}}\""),
    ("quoted-path", '/bin/"sh" -c "echo {{x}}"'),
    ("glob-path", '/bin/da[s]h -c "echo {{x}}"'),
    ("contin-name", 'ba\\\nsh -c "echo {{x}}"'),
    ("rbash", 'rbash -c "echo {{x}}"'),
    ("bs-eval", '\\eval "echo {{x}}"'),
    ("alias-eval", 'alias run=eval\nrun "echo {{x}}"'),
    ("setpriv", "setpriv bash -c 'echo {{x}}'"),
    ("prlimit", "prlimit --nofile=4096 bash -c 'echo {{x}}'"),
    ("setarch", "setarch x86_64 bash -c 'echo {{x}}'"),
    ("flock-lc", "flock /tmp/rt/lock bash -lc 'echo {{x}}'"),
    ("sg", "sg root 'echo {{x}}'"),
    ("docker-exec(stand-in)", 'docker exec shop-db sh -c "echo restoring {{x}}"'),
    ("kubectl-exec(stand-in)", 'kubectl exec deploy/shop -- sh -c "echo {{x}}"'),
    ("perl-i-pe", "perl -i -pe 's/^version=.*/version={{x}}/' /tmp/rt/app.conf"),
    ("perl-e-glued", "perl -e{{x}}"),
    ("python-c-glued", "python3 -c{{x}}"),
    ("python-uc", "python3 -uc \"print('{{x}}')\""),
    ("python311-c", "python3.11 -c \"print('{{x}}')\""),
    ("node-pe", "node -pe {{x}}"),
    ("node-eval-eq", "node --eval={{x}}"),
    ("vim-c", 'vim -es -c "!echo {{x}}" -c q'),
    ("env-S", "env -S {{x}}"),
    ("sed-file-first", "sed /etc/hostname -e {{x}}"),
    ("sqlite3-arg", "sqlite3 :memory: {{x}}"),
    ("pipe-sh-dash", "printf '%s\\n' {{x}} | sh -"),
    ("pipe-sh-devstdin", "printf '%s\\n' {{x}} | sh /dev/stdin"),
    ("pipe-sh-c-sh", "printf '%s\\n' {{x}} | sh -c 'exec sh'"),
    ("pipe-python311", "printf '%s\\n' {{x}} | python3.11"),
    ("pipe-ed", "printf '%s\\n' {{x}} | ed"),
    ("pipe-tclsh", "printf '%s\\n' {{x}} | tclsh"),
    ("heredoc-sh-devstdin", "sh /dev/stdin <<EOF\necho {{x}}\nEOF"),
    ("heredoc-exec-fd3", "exec 3<<EOF\necho {{x}}\nEOF\nsh <&3"),
    ("heredoc-function", "as_app() { sh; }\nas_app <<EOF\necho {{x}}\nEOF"),
    ("heredoc-awk-f", 'awk -f /dev/stdin <<EOF\nBEGIN { print "{{x}}" }\nEOF'),
    (
        "heredoc-sqlite3",
        "sqlite3 /tmp/rt/app.db <<EOF\nCREATE TABLE IF NOT EXISTS s(v); INSERT INTO s VALUES('{{x}}');\nEOF",
    ),
    ("heredoc-trailing-blank", "sh <<EOF\necho patching\nEOF \necho deploying {{x}}\nEOF"),
    ("heredoc-dash-spaces", "sh <<-EOF\n    echo patching\n    EOF\necho deploying {{x}}\nEOF"),
    ("heredoc-tab-delim", "sh <<EOF\necho patching\n\tEOF\necho deploying {{x}}\nEOF"),
    ("heredoc-cr-delim", "sh <<EOF\necho patching\nEOF\r\necho deploying {{x}}\nEOF"),
    ("heredoc-continued-line", "sh <<EOF\necho patching \\\nEOF\necho deploying {{x}}\nEOF"),
    ("heredoc-split-dollar-paren", "cat <<EOF\n$\\\n({{x}})\nEOF"),
    ("cmdsubst-as-command", "$(printf '%s' {{x}})"),
    ("ansi-c-option", "bash $'-c' {{x}}"),
    ("bs-read", "\\read {{x}} </dev/null"),
    ("printf-v-glued", "printf -v{{x}} %s 1"),
    ("array-literal-subscript", "a=([{{x}}]=1)"),
    ("compgen-W", "compgen -W {{x}}"),
    ("heredoc-bash-joined-delim", "cat <<EOF\nEO\\\nF\n{{x}}\nEOF"),
    ("heredoc-split-arith", "cat <<EOF\n$\\\n(({{x}}))\nEOF"),
]


@pytest.mark.parametrize(("attack", "script"), FOUND, ids=[a for a, _ in FOUND])
def test_a_script_the_red_team_broke_is_refused(attack: str, script: str) -> None:
    analysis = analyse(script)
    assert analysis.refusals, script
    with pytest.raises(UnsafeCommand):
        Values({"x": "$(touch /tmp/never)"}, {}).render(script)


def test_golive_check_refuses_them_all_with_a_line_each(tmp_path: Path) -> None:
    steps = "".join(
        f'[[steps]]\nid = "s{i}"\nduration = "1s"\nrun = """\n{script.replace(chr(92), chr(92) * 2).replace(chr(13), chr(92) + "r")}\n"""\n'
        for i, (_, script) in enumerate(FOUND)
    )
    runbook = write_runbook(tmp_path, '[vars]\nx = "1"\n' + steps)
    done = golive("check", runbook)
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if ": warning: " not in line]
    steps_refused = {int(e.split(":")[1]) for e in errors}
    assert len(errors) >= len(FOUND)
    assert all(e.startswith(f"{runbook}:") and e.endswith(")") for e in errors), errors[:3]
    assert len(steps_refused) >= len(FOUND) - 3  # a line each (two may share one)
