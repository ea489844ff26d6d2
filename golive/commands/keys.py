"""golive keys init [--key PATH]: create the key that seals journals.

The key is 32 random bytes written as hex, mode 0600 in a 0700 folder, created with
O_EXCL and never overwritten. Writers (run, resume, drill, monitor --record) seal
with it when it is found; golive verify needs it to check a keyed seal.
"""

from __future__ import annotations

import sys

from golive.io.journal import KEY_ENV, JournalKeyError, create_key, key_path


def keys_init_command(path: str | None) -> int:
    target = path or key_path()[0]
    try:
        key = create_key(target)
    except JournalKeyError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return 2
    print(f"created journal key {target} (key id {key.id})")
    if target != key_path()[0]:
        print(f"golive seals journals with it where {KEY_ENV}={target} is set")
    print(
        "keep a copy off this machine, with the change record: "
        "golive verify needs it to prove a journal was not rewritten"
    )
    return 0
