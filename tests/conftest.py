"""Shared fixtures."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.sshd import SshFarm, SshServer, loopback_addresses, require_sshd

# -- the fast lane --------------------------------------------------------------------
# `pytest -m "not slow"` is the developer's quick feedback; it leaves out every test that
# starts a real sshd or runs the whole demo, besides the modules marked slow themselves.
SLOW_FIXTURES = frozenset({"sshd", "sshd_group", "sshd_farm", "demo_journal"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# -- SSH: a real OpenSSH sshd on loopback (see tests/sshd.py) ------------------
# These fail, never skip, when sshd is missing: CI must not pass without SSH tests.


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    """One sshd with one host: 127.0.0.2 on a free high port."""
    require_sshd()
    server = SshServer(tmp_path / "sshd", ["127.0.0.2"])
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def sshd_group(tmp_path: Path) -> Iterator[SshServer]:
    """One sshd listening on five hosts, 127.0.0.10 .. 127.0.0.14."""
    require_sshd()
    server = SshServer(tmp_path / "sshd_group", loopback_addresses(10, 5))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def sshd_farm(tmp_path: Path) -> Iterator[Callable[[int], SshFarm]]:
    """A factory: `sshd_farm(50)` gives 50 hosts from 127.0.0.100 up on ceil(50 / 16) sshds.

    The hosts share one user key and one known_hosts file (`farm.identity_file`,
    `farm.known_hosts`). Further farms in the same test get the next addresses.
    """
    farms: list[SshFarm] = []
    used = 0

    def make(hosts: int) -> SshFarm:
        nonlocal used
        require_sshd()
        addresses = loopback_addresses(100, used + hosts)[used:]
        used += hosts
        farm = SshFarm(tmp_path / f"sshd_farm{len(farms)}", addresses)
        farms.append(farm)
        return farm

    yield make
    with contextlib.ExitStack() as stack:  # close every farm even if one fails to
        for farm in farms:
            stack.callback(farm.close)


# -- a real demo run, shared: read it, copy it before changing it ---------------------


@pytest.fixture(scope="session")
def demo_journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The journal of `golive demo --yes --console`: the failed migration, the rollback
    to the backup and the second attempt, in the demo's own scratch folder."""
    from tests.helpers import golive

    folder = tmp_path_factory.mktemp("demo")
    journal = folder / "demo.jsonl"
    done = golive(
        "demo",
        "--yes",
        "--console",
        "--journal",
        journal,
        env={"GOLIVE_DEMO_DIR": str(folder / "w")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return journal
