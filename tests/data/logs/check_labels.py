#!/usr/bin/env python3
"""Check the labelled log corpus in dev/ and holdout/ (stdlib only).

For every NAME.log there must be a NAME.labels beside it with exactly one
label per line, every label must be one of LABELS, the first label of a file
must not be "+", both files must end with a newline, and the log must be
UTF-8 without NUL bytes.  Prints the number of formats in each split and the
total lines and messages (labels other than "+").  Exit status 1 on problems.

Usage: python3 check_labels.py [corpus_dir]
"""

import os
import sys
from pathlib import Path

LABELS = {"debug", "info", "notice", "warning", "error", "critical", "unknown", "+"}
SPLITS = ("dev", "holdout")


def split_lines(data):
    """Lines of a file split on "\\n" only (a "\\r" stays on its line)."""
    if not data:
        return []
    body = data[:-1] if data.endswith(b"\n") else data
    return body.split(b"\n")


def check_pair(log_path, problems):
    name = os.path.relpath(log_path)
    lab_path = log_path[: -len(".log")] + ".labels"
    if not os.path.exists(lab_path):
        problems.append(f"{name}: no .labels file")
        return 0, 0
    log = Path(log_path).read_bytes()
    lab = Path(lab_path).read_bytes()
    if not log:
        problems.append(f"{name}: empty log")
    if log and not log.endswith(b"\n"):
        problems.append(f"{name}: does not end with a newline")
    if lab and not lab.endswith(b"\n"):
        problems.append(f"{name}: .labels does not end with a newline")
    if b"\0" in log:
        problems.append(f"{name}: contains NUL bytes")
    try:
        log.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"{name}: not UTF-8 ({exc})")
    log_lines = split_lines(log)
    labels = [raw.decode("utf-8", "replace").rstrip("\r") for raw in split_lines(lab)]
    if len(log_lines) != len(labels):
        problems.append(f"{name}: {len(log_lines)} log lines but {len(labels)} labels")
    for i, label in enumerate(labels, 1):
        if label not in LABELS:
            problems.append(f"{name}:{i}: invalid label {label!r}")
    if labels and labels[0] == "+":
        problems.append(f"{name}:1: first line is labelled '+'")
    return len(log_lines), sum(1 for label in labels if label != "+")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    problems = []
    total_lines = total_messages = 0
    counts = {}
    for split in SPLITS:
        d = os.path.join(root, split)
        if not os.path.isdir(d):
            problems.append(f"{split}/: missing")
            counts[split] = 0
            continue
        files = sorted(os.listdir(d))
        logs = [f for f in files if f.endswith(".log")]
        for f in files:
            if f.endswith(".labels") and f[: -len(".labels")] + ".log" not in files:
                problems.append(f"{split}/{f}: no matching .log file")
        for f in logs:
            n, m = check_pair(os.path.join(d, f), problems)
            total_lines += n
            total_messages += m
        counts[split] = len(logs)
    dev_names = (
        set(os.listdir(os.path.join(root, "dev")))
        if os.path.isdir(os.path.join(root, "dev"))
        else set()
    )
    hold_names = (
        set(os.listdir(os.path.join(root, "holdout")))
        if os.path.isdir(os.path.join(root, "holdout"))
        else set()
    )
    for both in sorted(n for n in dev_names & hold_names if n.endswith(".log")):
        problems.append(f"{both}: present in both dev/ and holdout/")
    for p in problems:
        print("PROBLEM:", p)
    print(
        f"formats: dev={counts.get('dev', 0)} holdout={counts.get('holdout', 0)} "
        f"total={sum(counts.values())}"
    )
    print(f"lines: {total_lines}  messages (non-'+' labels): {total_messages}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
