"""HTTP verify checks (httpx)."""

from __future__ import annotations

import time

from golive.core.runbook import HttpCheck


def run_http_check(
    check: HttpCheck, url: str, shown_url: str | None = None, shown_contains: str | None = None
) -> tuple[bool, str]:
    """(passed, one-line detail) for an HTTP verify. The request uses `url` and
    check.contains with secrets filled in; the detail shows `shown_url` and
    `shown_contains` (secrets masked), never the revealed text in any quoting."""
    shown = shown_url if shown_url is not None else url
    expected = shown_contains if shown_contains is not None else check.contains
    import httpx  # here, not at the top: a run without HTTP checks never pays its import

    started = time.monotonic()
    try:
        with httpx.Client(timeout=check.timeout, follow_redirects=False) as client:
            response = client.get(url)
    except httpx.TimeoutException:
        return False, f"GET {shown}: no answer within {check.timeout:g}s"
    except httpx.HTTPError as exc:
        # The error may quote the URL it tried: only ever the shown (masked) one.
        reason = str(exc).replace(url, shown)
        return False, f"GET {shown}: {type(exc).__name__}: {reason}"
    latency = time.monotonic() - started
    detail = f"GET {shown}: {response.status_code} in {latency * 1000:.0f} ms"
    if response.status_code != check.status:
        return False, f"{detail}, expected {check.status}"
    if check.contains is not None and check.contains not in response.text:
        return False, f"{detail}, body lacks {expected!r}"
    if check.max_latency is not None and latency > check.max_latency:
        return False, f"{detail}, slower than {check.max_latency * 1000:.0f} ms"
    return True, detail
