"""What the SSH benchmarks share: the sshd farm's settings and a runbook over its hosts."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from golive.core.loader import load_runbook  # noqa: E402
from golive.core.runbook import Runbook  # noqa: E402
from tests.sshd import SshFarm  # noqa: E402

# sshd sets SHLVL=1 in every session, so bash (the login shell) skips ~/.bashrc
# for a non-interactive SSH command; see farm_config().
QUIET_BASHRC = "SetEnv SHLVL=1"


def farm_config(with_bashrc: bool) -> list[str]:
    """Extra sshd_config lines for the farm.

    bash sources ~/.bashrc for every command that sshd runs (Debian builds it so),
    and on a developer box that file may be slow (pyenv init costs ~100 ms of CPU).
    On a real fleet every host pays that on its own CPUs; here all the hosts share
    this machine's cores, so it would be paid 50 times over on 2 cores and measure
    the box rather than the SSH client. SHLVL=1 makes bash skip it (bash only reads
    ~/.bashrc for SSH when SHLVL < 2). --with-bashrc keeps it.
    """
    return [] if with_bashrc else [QUIET_BASHRC]


def write_runbook(path: Path, farm: SshFarm, name: str, tail: list[str]) -> Runbook:
    """A runbook whose hosts h01..hNN are the farm's, all in group "app", then `tail`."""
    lines = ["[runbook]", f'name = "{name}"', f'known_hosts = "{farm.known_hosts}"', ""]
    for number, (address, port) in enumerate(farm.hosts, 1):
        lines += [
            f"[hosts.h{number:02d}]",
            f'address = "{address}"',
            f"port = {port}",
            f'user = "{farm.user}"',
            f'identity_file = "{farm.identity_file}"',
            'groups = ["app"]',
            "",
        ]
    path.write_text("\n".join([*lines, *tail]) + "\n")
    result = load_runbook(str(path))
    if result.runbook is None:
        raise SystemExit("\n".join(d.render() for d in result.diagnostics))
    return result.runbook
