"""HTTP verify checks (httpx)."""

from __future__ import annotations

import time

from golive.core.runbook import HttpCheck


def run_http_check(check: HttpCheck, url: str) -> tuple[bool, str]:
    """(passed, one-line detail) for an HTTP verify."""
    import httpx  # here, not at the top: a run without HTTP checks never pays its import

    started = time.monotonic()
    try:
        with httpx.Client(timeout=check.timeout, follow_redirects=False) as client:
            response = client.get(url)
    except httpx.TimeoutException:
        return False, f"GET {url}: no answer within {check.timeout:g}s"
    except httpx.HTTPError as exc:
        return False, f"GET {url}: {type(exc).__name__}: {exc}"
    latency = time.monotonic() - started
    detail = f"GET {url}: {response.status_code} in {latency * 1000:.0f} ms"
    if response.status_code != check.status:
        return False, f"{detail}, expected {check.status}"
    if check.contains is not None and check.contains not in response.text:
        return False, f"{detail}, body lacks {check.contains!r}"
    if check.max_latency is not None and latency > check.max_latency:
        return False, f"{detail}, slower than {check.max_latency * 1000:.0f} ms"
    return True, detail
