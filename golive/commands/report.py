"""golive report JOURNAL [--format html|md|json] [-o FILE]

A journal whose hash chain is broken still gets its report (exit status 0): the review
needs it most then. The report states the break at its top, and a warning says so here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from golive.core.record import RunRecord
from golive.io.atomic import replace_file
from golive.io.journal import JournalError
from golive.io.recorded import load_record
from golive.report.html import render_html
from golive.report.markdown import render_markdown
from golive.report.summary import Summary, integrity_warning, summarize


def report_command(args: argparse.Namespace) -> int:
    path: str = args.journal
    output: str | None = args.output
    problem = _unwritable(output) if output else None
    if problem:
        print(f"golive: {problem}", file=sys.stderr)
        return 2
    try:
        loaded = load_record(path)
        summary = summarize(loaded.record, loaded.runbook)
        text = _render(args.format, summary, loaded.record)
    except JournalError as exc:
        print(f"golive: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # An event golive did not write (a field missing or of the wrong type).
        why = f"an event has no {exc.args[0]!r} field" if isinstance(exc, KeyError) else str(exc)
        print(f"golive: {path}: not a golive run journal golive can read ({why})", file=sys.stderr)
        return 2
    warning = integrity_warning(summary)
    if warning:
        line = summary["journal"]["broken_line"]
        print(
            f"golive: warning: {path}:{line}: {summary['journal']['problem']}; the report says so at its top",
            file=sys.stderr,
        )
    if output is None:
        sys.stdout.write(text)
        return 0
    try:  # an earlier report at that path stays whole if this one cannot be written
        replace_file(output, text.encode("utf-8"))
    except OSError as exc:
        print(
            f"golive: cannot write the report to {output}: {exc.strerror or exc}", file=sys.stderr
        )
        return 2
    print(f"wrote {output} ({args.format}, {len(text.encode()) // 1024 or 1} KiB)")
    return 0


def _render(fmt: str, summary: Summary, record: RunRecord) -> str:
    if fmt == "json":
        return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return render_markdown(summary)
    return render_html(summary, record)


def _unwritable(output: str) -> str | None:
    """Why the report could not be written there, before any time goes into reading the journal."""
    if os.path.isdir(output):
        return f"cannot write the report to {output}: it is a directory"
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        return f"cannot write the report to {output}: no folder {folder}"
    if os.path.exists(output) and not os.access(output, os.W_OK):
        return f"cannot write the report to {output}: permission denied"
    if not os.path.exists(output) and not os.access(folder, os.W_OK):
        return f"cannot write the report to {output}: the folder {folder} is not writable"
    return None
