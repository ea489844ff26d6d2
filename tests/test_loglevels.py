"""The log-level classifier (golive.core.loglevels) and `golive logs`.

Every sample line below is written in the shape its program really writes:
the level is read from the line's header, never from words in the message,
and multi-line messages (stack traces) count once. The per-line path
(classify, line_kind, LevelCounter.feed) and the bulk path (feed_text,
count_text) must agree on every line, however the text is cut into chunks.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.commands import logs as logs_command
from golive.core.logcount import LevelCounter
from golive.core.loglevels import (
    CONTINUATION,
    LEVELS_HIGH_FIRST,
    Level,
    LineKind,
    classify,
    level_from_name,
    level_from_number,
    level_from_syslog,
    line_kind,
)
from tests.helpers import golive

DATA = Path(__file__).parent / "data" / "logs"
C = CONTINUATION

# (format, line, kind)
SAMPLES: list[tuple[str, str, LineKind]] = [
    # log4j / logback / Spring Boot
    ("log4j", "2026-11-22 02:00:00,123 ERROR [main] c.e.Foo - request failed", Level.ERROR),
    ("log4j", "2026-11-22 02:00:00,123 [main] WARN  c.e.Foo - slow", Level.WARNING),
    ("log4j", "2026-11-22 02:00:01 INFO parity error corrected", Level.INFO),
    ("log4j", "2026-11-22 02:00:00,123 DEBUG [pool-1] c.e.Foo - 0 errors", Level.DEBUG),
    ("log4j", "2026-11-22 02:00:00,123 TRACE [main] c.e.Foo - enter", Level.DEBUG),
    ("log4j", "2026-11-22 02:00:00,123 FATAL [main] c.e.Foo - giving up", Level.CRITICAL),
    ("logback", "02:00:00.123 [main] ERROR c.e.Foo - boom", Level.ERROR),
    ("spring", "2026-11-22 02:00:00.123  WARN 1234 --- [main] c.e.Foo : slow", Level.WARNING),
    ("spring", "2026-11-22T02:00:00.123Z ERROR 1 --- [shop] [main] c.e.Foo : x", Level.ERROR),
    # Python logging
    ("python", "ERROR:root:disk full", Level.ERROR),
    ("python", "WARNING:urllib3.connectionpool:Retrying (Retry(total=2))", Level.WARNING),
    ("python", "INFO:shop.worker:started", Level.INFO),
    ("python", "2026-11-22 02:00:00,123 - app.payments - WARNING - declined", Level.WARNING),
    ("python", "2026-11-22 02:00:00,123 - CRITICAL - queue has no consumers", Level.CRITICAL),
    ("python", "2026-11-22 02:00:00,123 ERROR shop.worker charge failed", Level.ERROR),
    ("python", "2026-11-22 02:00:00,123 [INFO] shop.worker: started", Level.INFO),
    # Apache 2.4 and 2.2 error logs
    (
        "apache",
        "[Sun Nov 22 02:00:00.123456 2026] [core:error] [pid 1234:tid 5678] "
        "[client 10.0.0.1:5555] AH00126: Invalid URI in request GET /x",
        Level.ERROR,
    ),
    ("apache", "[Sun Nov 22 02:00:00.1 2026] [ssl:warn] [pid 1] AH01909: x", Level.WARNING),
    ("apache", "[Sun Nov 22 02:00:00.1 2026] [mpm_event:notice] [pid 1] resuming", Level.NOTICE),
    ("apache", "[Sun Nov 22 02:00:00.1 2026] [proxy:trace5] [pid 1] x", Level.DEBUG),
    (
        "apache",
        "[Sun Nov 22 02:00:00 2026] [error] [client 1.2.3.4] File does not exist",
        Level.ERROR,
    ),
    # nginx error log
    ("nginx", "2026/11/22 02:00:00 [error] 123#0: *5 open() failed (2: No such file)", Level.ERROR),
    ("nginx", "2026/11/22 02:00:00 [warn] 123#0: conflicting server name", Level.WARNING),
    ("nginx", "2026/11/22 02:00:00 [emerg] 123#0: bind() failed", Level.CRITICAL),
    ("nginx", "2026/11/22 02:00:00 [notice] 123#0: signal process started", Level.NOTICE),
    # syslog files: no level unless the program writes one first
    ("syslog", "Nov 22 02:00:01 web1 sshd[1234]: Accepted publickey for deploy", None),
    ("syslog", "Nov 22 02:00:01 web1 sshd[1234]: error: kex_exchange_identification", Level.ERROR),
    ("syslog", "Nov  2 02:00:01 web1 shop[812]: ERROR database connection lost", Level.ERROR),
    ("syslog", "Nov 22 02:00:01 web1 kernel: [12345.678] eth0: link up", None),
    ("syslog", "Nov 22 02:00:01 web1 cron[99]: (root) CMD (run 0 errors)", None),
    ("syslog", "2026-11-22T02:00:01.123456+00:00 web1 shop[812]: WARNING: disk 91%", Level.WARNING),
    # syslog <PRI>: severity = PRI % 8
    ("pri", "<11>Nov 22 02:00:01 web1 shop[12]: lost connection", Level.ERROR),
    ("pri", "<134>1 2026-11-22T02:00:01Z web1 shop 12 - - started", Level.INFO),
    ("pri", "<13>Nov 22 02:00:01 web1 shop: error words do not count here", Level.NOTICE),
    ("pri", "<0>kernel: panic", Level.CRITICAL),
    ("pri", "<12>warning", Level.WARNING),
    ("pri", "<15>debugging", Level.DEBUG),
    # journald (journalctl -o json): PRIORITY with syslog semantics
    ("journald", '{"__CURSOR":"s=1;i=2","_BOOT_ID":"b","PRIORITY":"3","MESSAGE":"x"}', Level.ERROR),
    ("journald", '{"PRIORITY":"6","MESSAGE":"error budget: 0 errors"}', Level.INFO),
    ("journald", '{"PRIORITY":"5","MESSAGE":"x"}', Level.NOTICE),
    ("journald", '{"PRIORITY":"4","MESSAGE":"x"}', Level.WARNING),
    ("journald", '{"PRIORITY":"2","MESSAGE":"x"}', Level.CRITICAL),
    ("journald", '{"PRIORITY":"0","MESSAGE":"x"}', Level.CRITICAL),
    ("journald", '{"PRIORITY":"7","MESSAGE":"x"}', Level.DEBUG),
    # bunyan and pino: numeric levels
    ("bunyan", '{"name":"api","hostname":"web1","pid":1,"level":50,"msg":"x","v":0}', Level.ERROR),
    (
        "bunyan",
        '{"name":"api","hostname":"web1","pid":1,"level":30,"msg":"error: none"}',
        Level.INFO,
    ),
    ("bunyan", '{"name":"api","level":10,"msg":"enter"}', Level.DEBUG),
    (
        "pino",
        '{"level":30,"time":1795399200000,"pid":1,"hostname":"h","msg":"an error"}',
        Level.INFO,
    ),
    ("pino", '{"level":40,"time":1795399200000,"msg":"slow"}', Level.WARNING),
    ("pino", '{"level":60,"time":1795399200000,"msg":"dying"}', Level.CRITICAL),
    ("pino", '{"level":20,"time":1795399200000,"msg":"x"}', Level.DEBUG),
    # other JSON loggers: string levels under several keys
    ("json", '{"time":"2026-11-22T02:00:00Z","level":"info","msg":"error=none"}', Level.INFO),
    ("json", '{"level":"error","ts":1795399200.1,"caller":"main.go:1","msg":"x"}', Level.ERROR),
    ("json", '{"asctime":"2026","name":"app","levelname":"WARNING","message":"x"}', Level.WARNING),
    ("json", '{"severity":"ERROR","message":"x","timestamp":"2026"}', Level.ERROR),
    ("json", '{"@timestamp":"2026","log.level":"warn","message":"x"}', Level.WARNING),
    ("json", '{"lvl":"eror","msg":"x"}', Level.ERROR),
    ("json", '{"level": "CRITICAL", "event": "x"}', Level.CRITICAL),
    ("json", '{"msg":"status error","status":"error"}', None),
    ("json", '{"msg":"say \\"level\\": \\"error\\"","level":"info"}', Level.INFO),
    ("json", '{"level":"info","err":{"level":{"nested":1}}}', Level.INFO),
    # logfmt (logrus, go-kit)
    ("logfmt", 'time="2026-11-22T02:00:00Z" level=error msg="x"', Level.ERROR),
    ("logfmt", 'ts=2026-11-22T02:00:00Z caller=main.go:1 level=info msg="error none"', Level.INFO),
    # Android logcat, threadtime and brief
    ("logcat", "11-22 02:00:00.123  1234  1250 E ActivityManager: ANR in com.example", Level.ERROR),
    ("logcat", "11-22 02:00:00.123  1234  1250 W ActivityManager: slow", Level.WARNING),
    ("logcat", "11-22 02:00:00.123  1234  1250 I ActivityManager: Start proc", Level.INFO),
    ("logcat", "11-22 02:00:00.123  1234  1250 D dalvikvm: GC", Level.DEBUG),
    ("logcat", "11-22 02:00:00.123  1234  1250 V Foo: verbose", Level.DEBUG),
    ("logcat", "11-22 02:00:00.123  1234  1250 F libc: Fatal signal 11", Level.CRITICAL),
    ("logcat", "11-22 02:00:00.123  1234  1250 A DEBUG: assertion", Level.CRITICAL),
    ("logcat", "E/ActivityManager( 1234): ANR in com.example", Level.ERROR),
    ("logcat", "W/Tag     (  815): slow", Level.WARNING),
    ("logcat", "I/Tag: tag format", Level.INFO),
    # other headers
    ("glog", "E1122 02:00:00.123456    1234 main.go:12] connection refused", Level.ERROR),
    ("glog", "I1122 02:00:00.123456    1234 main.go:12] started", Level.INFO),
    ("gunicorn", "[2026-11-22 02:00:00 +0000] [123] [ERROR] Worker timeout", Level.ERROR),
    ("laravel", "[2026-11-22 02:00:00] production.ERROR: x", Level.ERROR),
    ("rust", "[2026-11-22T02:00:00Z WARN  my_crate::db] slow", Level.WARNING),
    ("rust", "2026-11-22T02:00:00.123456Z  INFO my_crate: started", Level.INFO),
    ("zap", "2026-11-22T02:00:00.123Z\terror\tmain.go:12\tboom", Level.ERROR),
    ("postgres", "2026-11-22 02:00:00.123 UTC [1234] ERROR:  duplicate key", Level.ERROR),
    ("postgres", "2026-11-22 02:00:00.123 UTC [1234] DETAIL:  Key (id)=(1) exists.", C),
    ("postgres", "2026-11-22 02:00:00.123 UTC [1234] LOG:  checkpoint starting", Level.INFO),
    ("postgres", "2026-11-22 02:00:00.123 CET [1234] app@shop FATAL:  auth failed", Level.CRITICAL),
    ("mysql", "2026-11-22T02:00:00.123456Z 0 [ERROR] [MY-010119] [Server] Aborting", Level.ERROR),
    ("mysql", "2026-11-22T02:00:00.123456Z 0 [Warning] [MY-010068] x", Level.WARNING),
    ("mysql", "2026-11-22T02:00:01.512345Z 0 [System] [MY-010931] [Server] ready", Level.INFO),
    ("mysql", "2026-11-22T02:00:01.512345Z 0 [Note] [MY-010914] [Server] Aborted", Level.NOTICE),
    # "System" outside MySQL's brackets is a word of the message
    ("syslog-like", "2026-11-22 02:00:00 System shutdown requested by deploy", None),
    ("rails", "E, [2026-11-22T02:00:00.123456 #1234] ERROR -- : boom", Level.ERROR),
    ("nlog", "2026-11-22 02:00:00.1234|ERROR|Program|boom", Level.ERROR),
    ("aspnet", "fail: Microsoft.AspNetCore.Server[1]", Level.ERROR),
    ("plain", "[ERROR] boom", Level.ERROR),
    ("plain", "WARN  [2026-11-22 02:00:00] x", Level.WARNING),
    ("plain", "Error: something failed", Level.ERROR),
    ("plain", "INFO parity error corrected", Level.INFO),
    ("plain", "2026-11-22 02:00:01 \x1b[31mERROR\x1b[0m coloured", Level.ERROR),
    ("plain", "2026-11-22 02:00:00 INFO\r", Level.INFO),
    # no level in the header: unknown, whatever the message says
    ("unknown", "processed 0 errors", None),
    ("unknown", "2026-11-22 02:00:00 processed 0 errors", None),
    ("unknown", "2026-11-22 02:00:00 job done ERROR count 0", None),
    ("unknown", "2026-11-22 02:00:00 A user logged in", None),
    ("unknown", "2026-11-22 02:00:00 ErrorException: x", None),
    ("unknown", "404 ERROR page", None),
    ("unknown", 'Exception in thread "main" java.lang.OutOfMemoryError', None),
    ("unknown", "the fatal flaw", None),
    # continuations
    ("continuation", "\tat com.example.Foo.bar(Foo.java:10)", C),
    ("continuation", "java.lang.IllegalStateException: boom", C),
    ("continuation", "Caused by: java.io.IOException: disk full", C),
    ("continuation", "\t... 12 more", C),
    ("continuation", "... 17 common frames omitted", C),
    ("continuation", "Traceback (most recent call last):", C),
    ("continuation", '  File "x.py", line 3, in <module>', C),
    ("continuation", "ValueError: bad amount", C),
    ("continuation", "KeyError: 'x'", C),
    ("continuation", "psycopg2.errors.UniqueViolation: duplicate key", C),
    ("continuation", "KeyboardInterrupt", C),
    ("continuation", "During handling of the above exception, another exception occurred:", C),
    ("continuation", "The above exception was the direct cause of the following exception:", C),
    ("continuation", "", C),
    ("continuation", "   ", C),
    ("unknown", " * Running on http://127.0.0.1:5000", None),
    ("continuation", " * Starting sshd ...  [ ok ]", C),  # a bullet: only Werkzeug's banner
    ("continuation", " * with a lower-case word it is a list in the message above", C),
    ("continuation", " *", C),
    # a marker before the level, and what is not one
    ("marker", "C  *** ERROR => OCI-call 'OCISessionBegin' failed [dboci.c 3110]", Level.ERROR),
    ("marker", "M  *** WARNING => ThStartStatistic: no stat file [thxx.c 210]", Level.WARNING),
    ("marker", "*** info [mice.c(1766)]: imps2: Auto-detected intellimouse PS/2", Level.INFO),
    ("unknown", "B  ***LOG BV3=> exception 4100 [dbsh#2 @ 1234]", None),
    ("unknown", "*** Publishers will be blocked until this alarm clears ***", None),
    ("unknown", "*** ERROR count is 0 ***", None),
    # a Go panic's dump
    ("continuation", "goroutine 118 [running]:", C),
    ("continuation", "net/http.(*conn).serve.func1()", C),
    ("continuation", "main.(*gateway).route(0xc0001a2000, {0xa1b2c0, 0xc0002be000})", C),
    ("continuation", "panic({0x8a3d40?, 0xd4a2b0?})", C),
    # oVirt's vdsm, its thread's name first, and a frame of a traceback that lost its indent
    (
        "vdsm",
        "MainThread::INFO::2011-12-05 07:04:56,101::vdsm::71::vds::(run) I am vdsm",
        Level.INFO,
    ),
    (
        "vdsm",
        "Thread-15::DEBUG::2011-12-07 11:44:17,737::clientIF::54::vds::(wrapper) call",
        Level.DEBUG,
    ),
    ("unknown", "Session::Open failed for ERROR::x", None),
    ("continuation", 'File "/usr/share/vdsm/vdsm", line 72, in run', C),
    ("unknown", 'File "/srv/shop/a.csv" was rotated', None),
    # npm's own prefix, and what is not it
    ("npm", "npm WARN deprecated inflight@1.0.6: This module is not supported", Level.WARNING),
    ("npm", "npm ERR! code E404", Level.ERROR),
    ("npm", "npm notice New major version of npm available!", Level.NOTICE),
    ("npm", "npm timing npm:load Completed in 3ms", Level.DEBUG),
    ("unknown", "npm WARNING is not a level of npm's", None),
    ("unknown", "npmx WARN x", None),
    # Proxifier: a status after the program and its target, a level when it names one
    (
        "proxifier",
        "[10.30 16:51:45] QQ.exe - 183.60.49.182:443 error : A connection request was canceled",
        Level.ERROR,
    ),
    (
        "proxifier",
        "[10.30 16:49:30] chrome.exe *64 - t12.baidu.com:80 error : Could not",
        Level.ERROR,
    ),
    ("unknown", "[10.30 16:49:06] chrome.exe - proxy.cuhk.edu.hk:5070 open through proxy", None),
    ("unknown", "[10.30 16:49:06] chrome.exe - proxy:5070 close, 0 errors : none", None),
    # PostgreSQL after any log_line_prefix: the level before ":  " (two spaces)
    (
        "postgres",
        "2017-09-06 08:41:43 UTC [44]: [371-1] user=postgres,db=postgres,app=pgbench,"
        "client=172.23.0.1 LOG:  duration: 59.911 ms",
        Level.INFO,
    ),
    ("postgres", "2020-03-11 20:40:43 CET::@:[12760]:LOG:  starting PostgreSQL 12.2", Level.INFO),
    (
        "postgres",
        "2023-07-25 02:14:09.790 UTC 64bf2ff1.21fc1e 0 VCDB vumuser [local] 2227230 5ERROR:  x",
        Level.ERROR,
    ),
    ("postgres", "2020-03-11 20:40:45 CET:[local]:postgres@shop:[12777]:DETAIL:  Key (id)", C),
    ("unknown", "2026-11-22 02:00:00 10.0.0.7 GET /api?q=a:b - 500 ERROR: x", None),
    # more fields before the level: a thread's numbered name, an unclosed bracket, an id
    (
        "java",
        "2022-06-02T12:12:38.414Z phProdLogDrainerTaskExecutor-5  INFO  o.b.Provider x",
        Level.INFO,
    ),
    (
        "java",
        "[2022-06-02T10:45:15.969Z tomcat-http--188     ERROR com.vmware.vim.Servlet",
        Level.ERROR,
    ),
    (
        "java",
        "2022-06-02T12:23:44.971Z [syncaas-grpc-5  INFO  c.v.h.LookupServiceUtil  opId=]",
        Level.INFO,
    ),
    (
        "java",
        "2022-06-02T08:34:19.574Z [main null INFO  c.v.c.PerfLog  opId=] Requesting",
        Level.INFO,
    ),
    (
        "java",
        "2023-07-19T03:05:51.879Z invocation-vmomi-executor-1 operationID=4e54  DEBUG v.Task",
        Level.DEBUG,
    ),
    (
        "java",
        "[2022-06-01T13:37:36,371] WARN574240[Thread-35] - c.v.o.Observer.execute",
        Level.WARNING,
    ),
    (
        "java",
        "[otel.javaagent 2025-04-24 19:51:57:317 +0000] [jmx_bean_finder] INFO io.x",
        Level.INFO,
    ),
    ("java", "081111 101735 26595 INFO dfs.DataNode$PacketResponder: Received block", Level.INFO),
    (
        "java",
        "17/06/09 20:10:52 INFO executor.CoarseGrainedExecutorBackend: Got task 87",
        Level.INFO,
    ),
    ("unknown", "2026-11-22 02:00:00 retry-3 of the job said ERROR", None),
    # the Java Service Wrapper: the wrapped program's level, else the wrapper's
    (
        "wrapper",
        "INFO   | jvm 1    | 2015/04/28 18:34:18 | 2015-04-28 18:34:18,872 [Thread-46] DEBUG c.r.Conn",
        Level.DEBUG,
    ),
    (
        "wrapper",
        'INFO   | jvm 1    | 2015/05/24 07:35:50 | JVMDUMP013I Processed dump event "user"',
        Level.INFO,
    ),
    ("wrapper", "ERROR  | wrapper  | 2015/05/24 07:35:51 | JVM exited unexpectedly.", Level.ERROR),
    # VMware: a hex thread and a quoted component, "name: pid:" fields, ESXi's priorities
    (
        "vmware",
        "[2011-04-01 15:14:34.203 F5A5AB90 info 'vm:/vmfs/volumes/x.vmx' opID=F6] x",
        Level.INFO,
    ),
    (
        "vmware",
        "2014-01-17T04:55:50.347Z [7F03ECE76700 verbose 'Default' opID=2140bc71] x",
        Level.DEBUG,
    ),
    (
        "vmware",
        "2020-05-11T22:32:56Z lifecycle: 1000212917: lifecyclectl:58 ERROR Failed",
        Level.ERROR,
    ),
    ("vmware", "2020-05-11T22:32:09Z esxupdate: 1000211352: root: INFO: Command = x", Level.INFO),
    (
        "vmware",
        "[2020-05-26 19:46:43:259 'ConfigurationMgr' 139700477753600 INFO]  [cfg, 155] x",
        Level.INFO,
    ),
    (
        "vmware",
        "HsmService:2021-05-19 17:36:35,978[MainThread]hsmService:737 [INFO] HSM up",
        Level.INFO,
    ),
    (
        "vmware",
        "ImageService: 139853338433792: 2021-05-19 17:36:35,675 imageService:769 INFO x",
        Level.INFO,
    ),
    (
        "vmware",
        "2022-06-02T02:56:51.118Z Db(167) Hostd[1001392583]: [Originator@6876] Vdt",
        Level.DEBUG,
    ),
    (
        "vmware",
        "2022-06-02T02:15:22.987Z In(166) Hostd[1001392061]: info -[1001392061] x",
        Level.INFO,
    ),
    (
        "vmware",
        "2022-06-02T02:15:22.987Z Er(163) Hostd[1001392061]: failed to open disk",
        Level.ERROR,
    ),
    ("unknown", "2022-06-02T02:15:22.987Z In(the) middle: ERROR", None),
    # what the red team found read wrongly (or raising) at first
    ("continuation", "ok(true)", C),  # a Go frame's shape, not ESXi's "In(166)"
    ("unknown", "Mongo::Error::NoServerAvailable: No server is available", None),
    (
        "unknown",
        "2026-11-22 02:00:01 +0000 [warn]: #0 failed to flush the buffer. "
        'error="PG::UndefinedTable: ERROR:  relation \\"logs\\" does not exist"',
        None,
    ),
    ("unknown", "2026-11-22 02:00:01 +0000 [info]: #0 retry succeeded. HINT:  none", None),
    ("unknown", "2026-11-22 02:00:01 Summary: WARNING count 3", None),
    ("unknown", "2026-11-22 02:00:01 Result: 0 error : 0 warning", None),
    ("unknown", "2026-11-22 02:00:01 Compile: 2 warning 'unused variable'", None),
    ("unknown", "123456 654321 ERROR totals", None),
    ("unknown", 'File "config.yaml", line 3, col 5: mapping values are not allowed', None),
    ("continuation", " * Name must not be empty", C),
    ("unknown", "connect failed (timeout)", None),
    ("unknown", "goroutine leak suspected in worker (42)", None),
]

FORMATS = sorted({fmt for fmt, _, _ in SAMPLES})


def test_the_samples_cover_many_formats() -> None:
    assert len(FORMATS) >= 20


@pytest.mark.parametrize(("fmt", "line", "kind"), SAMPLES, ids=[s[1][:60] for s in SAMPLES])
def test_sample(fmt: str, line: str, kind: LineKind) -> None:
    assert line_kind(line) == kind
    assert line_kind(line + "\n") == kind
    assert classify(line) == (None if kind is CONTINUATION else kind)
    counter = LevelCounter()
    assert counter.feed(line) == kind


def per_line(text: str) -> list[LineKind]:
    """The kind of every line of `text`, one classify call each."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line_kind(line) for line in lines]


def counts(counter: LevelCounter) -> tuple[object, ...]:
    return (
        counter.lines,
        counter.messages,
        counter.continuations,
        counter.unknown,
        tuple(counter.levels().items()),
    )


def fed_one_by_one(text: str) -> LevelCounter:
    counter = LevelCounter()
    for line in text.split("\n")[:-1]:
        counter.feed(line)
    if not text.endswith("\n") and text:
        counter.feed(text.rpartition("\n")[2])
    return counter


def test_bulk_and_per_line_agree_on_every_sample() -> None:
    text = "".join(line + "\n" for _, line, _ in SAMPLES)
    bulk = LevelCounter()
    assert bulk.feed_text(text) == [kind for _, _, kind in SAMPLES] == per_line(text)
    fast = LevelCounter()
    fast.count_text(text)
    assert counts(fast) == counts(bulk) == counts(fed_one_by_one(text))


def test_bulk_agrees_however_the_text_is_cut() -> None:
    text = "".join(line + "\n" for _, line, _ in SAMPLES)
    whole = LevelCounter()
    expected = whole.feed_text(text)
    for size in (1, 2, 3, 7, 64, 1000):
        counter = LevelCounter()
        kinds: list[LineKind] = []
        for start in range(0, len(text), size):
            kinds += counter.feed_text(text[start : start + size])
        kinds += counter.flush()
        assert kinds == expected, size
        fast = LevelCounter()
        for start in range(0, len(text), size):
            fast.count_text(text[start : start + size])
        fast.flush()
        assert counts(fast) == counts(whole), size


# -- the traps -----------------------------------------------------------------------


def counted(text: str) -> dict[str, int]:
    counter = LevelCounter()
    counter.count_text(text)
    counter.flush()
    return {**counter.levels(), "messages": counter.messages, "lines": counter.lines}


def test_a_level_word_in_the_message_does_not_count() -> None:
    assert classify("2026-11-22 02:00:01 INFO parity error corrected") is Level.INFO
    assert classify("processed 0 errors") is None
    assert line_kind("processed 0 errors") is None  # a message of unknown level ...
    result = counted("processed 0 errors\n")
    assert result["unknown"] == 1 and result["error"] == 0  # ... not an error, not info
    assert result["info"] == 0


def test_json_message_words_do_not_count() -> None:
    line = '{"time":"2026-11-22T02:00:00Z","level":"info","msg":"ERROR: error fatal critical"}'
    assert classify(line) is Level.INFO
    assert counted(line + "\n")["error"] == 0


JAVA_TRACE = "\n".join(
    [
        "2026-11-22 02:00:00,123 ERROR [http-1] c.e.shop.OrderService - order 17 failed",
        "java.lang.IllegalStateException: order 17 is PAID, expected NEW",
        *(f"\tat com.example.shop.Layer{n}.call(Layer{n}.java:{10 + n})" for n in range(14)),
        "Caused by: java.sql.SQLException: deadlock detected; ERROR 40P01",
        "\tat org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:2713)",
        "\tat com.example.shop.OrderRepository.markPaid(OrderRepository.java:88)",
        "\t... 12 more",
        "2026-11-22 02:00:01,000 INFO  [http-2] c.e.shop.OrderController - GET /health 200",
    ]
)


def test_a_java_error_with_a_20_line_stack_trace_counts_once() -> None:
    assert JAVA_TRACE.count("\n") + 1 == 21  # the ERROR line, 19 trace lines, then INFO
    result = counted(JAVA_TRACE)
    assert result["error"] == 1
    assert result["messages"] == 2
    assert result["lines"] == 21
    assert result["unknown"] == 0
    kinds = per_line(JAVA_TRACE)
    assert kinds[0] is Level.ERROR and kinds[-1] is Level.INFO
    assert all(kind is CONTINUATION for kind in kinds[1:-1])


PYTHON_TRACE = """\
2026-11-22 02:00:02,230 - shop.payments - ERROR - charge failed for order 19
Traceback (most recent call last):
  File "/srv/shop/payments.py", line 88, in charge
    response = client.post("/charges", json=payload)
  File "/srv/shop/client.py", line 41, in post
    raise GatewayTimeout(url)
shop.client.GatewayTimeout: POST /charges timed out after 30s

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/srv/shop/worker.py", line 12, in run
    charge(order)
PaymentError: order 19 could not be charged
2026-11-22 02:00:03,341 - shop.worker - INFO - retry scheduled for order 19
"""


def test_a_python_traceback_counts_once() -> None:
    result = counted(PYTHON_TRACE)
    assert result["error"] == 1
    assert result["info"] == 1
    assert result["messages"] == 2
    assert result["unknown"] == 0


def test_a_trace_at_the_start_of_a_stream_counts_nothing() -> None:
    """Tailing may start inside a stack trace: its lines belong to a message not seen."""
    result = counted("\tat com.example.Foo.bar(Foo.java:1)\n\t... 3 more\nERROR:root:x\n")
    assert result["messages"] == 1 and result["error"] == 1 and result["lines"] == 3


def test_the_sample_files() -> None:
    def of(name: str) -> dict[str, int]:
        return counted((DATA / name).read_text(encoding="utf-8"))

    java = of("java-app.log")
    assert (java["error"], java["warning"], java["info"], java["debug"]) == (1, 1, 4, 1)
    assert java["messages"] == 7 and java["unknown"] == 0
    python = of("python-app.log")
    assert (python["critical"], python["error"], python["warning"], python["info"]) == (1, 2, 1, 2)
    assert python["messages"] == 6
    journal = of("journald.jsonl")
    assert (journal["critical"], journal["error"], journal["warning"], journal["info"]) == (
        1,
        1,
        1,
        2,
    )


# -- the API -------------------------------------------------------------------------


def test_levels_are_ordered_and_named() -> None:
    assert Level.DEBUG < Level.INFO < Level.NOTICE < Level.WARNING < Level.ERROR < Level.CRITICAL
    assert [level.label for level in LEVELS_HIGH_FIRST] == [
        "critical",
        "error",
        "warning",
        "notice",
        "info",
        "debug",
    ]
    assert level_from_name("trace") is Level.DEBUG
    assert level_from_name("TRACE3") is Level.DEBUG
    assert level_from_name(" Warn ") is Level.WARNING
    assert level_from_name("SEVERE") is Level.ERROR
    for name in ("fatal", "emerg", "alert", "crit", "panic"):
        assert level_from_name(name) is Level.CRITICAL
    assert level_from_name("chatty") is None
    assert [level_from_syslog(n) for n in range(8)] == [
        Level.CRITICAL,
        Level.CRITICAL,
        Level.CRITICAL,
        Level.ERROR,
        Level.WARNING,
        Level.NOTICE,
        Level.INFO,
        Level.DEBUG,
    ]
    bunyan = [level_from_number(n) for n in (10, 20, 30, 40, 50, 60)]
    assert bunyan == [
        Level.DEBUG,
        Level.DEBUG,
        Level.INFO,
        Level.WARNING,
        Level.ERROR,
        Level.CRITICAL,
    ]
    assert level_from_number(500) is Level.ERROR  # Google Cloud
    assert level_from_number(300) is Level.NOTICE


def test_feed_returns_each_lines_kind_and_counts() -> None:
    counter = LevelCounter()
    assert counter.feed("2026-11-22 02:00:00,123 ERROR [main] c.e.Foo - boom\n") is Level.ERROR
    assert counter.feed("\tat c.e.Foo.bar(Foo.java:1)") is CONTINUATION
    assert counter.feed("processed 0 errors") is None
    assert counter.levels() == {
        "critical": 0,
        "error": 1,
        "warning": 0,
        "notice": 0,
        "info": 0,
        "debug": 0,
        "unknown": 1,
    }
    assert (counter.lines, counter.messages, counter.continuations) == (3, 2, 1)
    assert counter.counts[Level.ERROR] == 1


def test_feed_with_several_lines_counts_them_all() -> None:
    counter = LevelCounter()
    assert counter.feed("ERROR:root:x\n\tat y\nWARNING:root:z") is Level.ERROR
    assert (counter.lines, counter.messages) == (3, 2)
    assert counter.levels()["warning"] == 1


def test_an_unfinished_line_waits_for_the_rest() -> None:
    counter = LevelCounter()
    assert counter.feed_text("2026-11-22 02:00:00 ER") == []
    assert counter.pending
    assert counter.feed_text("ROR boom\n2026-11-22 02:00:01 IN") == [Level.ERROR]
    assert counter.feed("FO done") is Level.INFO  # feed finishes the pending line
    assert not counter.pending
    counter.count_text("WARNING:root:no newline at the end")
    assert counter.lines == 2
    assert counter.flush() == [Level.WARNING]
    assert counter.flush() == []
    assert counter.lines == 3


def test_crlf_lines() -> None:
    text = "ERROR:root:x\r\n\r\n\tat y\r\n2026-11-22 02:00:00 INFO\r\n"
    counter = LevelCounter()
    assert counter.feed_text(text) == [Level.ERROR, CONTINUATION, CONTINUATION, Level.INFO]


# -- fuzzing: never raises, and bulk == per line ---------------------------------------

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FRAGMENTS = [line for _, line, _ in SAMPLES] + [
    "\n",
    "\r\n",
    "\t",
    " ",
    "[",
    "]",
    "{",
    '"level":',
    '"',
    ":",
    "=",
    "<",
    ">",
    "2026-11-22 02:00:00 ",
    "ERROR",
    "error",
    "E/",
    "\x1b[31m",
    "\x00",
    "\ufffd",
    "é",
    "\u2028",
    "\x85",
]

texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=40).map("".join),
)


@FUZZ
@given(text=texts)
def test_classify_and_feed_never_raise(text: str) -> None:
    kind = line_kind(text)
    assert kind is None or kind is CONTINUATION or isinstance(kind, Level)
    level = classify(text)
    assert level is None or isinstance(level, Level)
    counter = LevelCounter()
    counter.feed(text)
    assert counter.lines == max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


@FUZZ
@given(text=texts, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_bulk_and_per_line_agree(text: str, cuts: list[int]) -> None:
    expected = per_line(text)
    bulk = LevelCounter()
    assert bulk.feed_text(text) + bulk.flush() == expected
    assert counts(bulk) == counts(fed_one_by_one(text))
    pieces = []
    start = 0
    for cut in sorted(cut for cut in cuts if cut <= len(text)):
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    chunked = LevelCounter()
    fast = LevelCounter()
    kinds: list[LineKind] = []
    for piece in pieces:
        kinds += chunked.feed_text(piece)
        fast.count_text(piece)
    kinds += chunked.flush()
    fast.flush()
    assert kinds == expected
    assert counts(fast) == counts(bulk)


# -- golive logs ---------------------------------------------------------------------


def test_logs_prints_a_table() -> None:
    result = golive("logs", DATA / "java-app.log", DATA / "python-app.log")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    table, found = result.stdout.split("\n\n")
    header, java, python, total = table.splitlines()
    assert found.splitlines() == [
        f"{DATA / 'java-app.log'}: known: timestamp, then the level; messages start like '9-9-9';"
        " 7 of 7 messages (100.0%) have a level",
        f"{DATA / 'python-app.log'}: known: timestamp, then the level;"
        " 6 of 6 messages (100.0%) have a level",
    ]
    assert header.split() == [
        "file",
        "lines",
        "messages",
        "critical",
        "error",
        "warning",
        "notice",
        "info",
        "debug",
        "unknown",
    ]
    assert java.split() == [
        str(DATA / "java-app.log"),
        "27",
        "7",
        "0",
        "1",
        "1",
        "0",
        "4",
        "1",
        "0",
    ]
    assert python.split()[1:] == ["21", "6", "1", "2", "1", "0", "2", "0", "0"]
    assert total.split()[0] == "total"
    assert total.split()[1:3] == ["48", "13"]


def test_logs_json_prints_one_object_per_file() -> None:
    result = golive("logs", "--json", DATA / "journald.jsonl", DATA / "java-app.log")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0] == {
        "file": str(DATA / "journald.jsonl"),
        "lines": 5,
        "messages": 5,
        "levels": {
            "critical": 1,
            "error": 1,
            "warning": 1,
            "notice": 0,
            "info": 2,
            "debug": 0,
            "unknown": 0,
        },
        "shape": 'known: JSON lines; messages start like \'{"__a":"\'',
        "with_level": 1.0,
        "no_level": [],
    }
    assert records[1]["levels"]["error"] == 1 and records[1]["messages"] == 7


def test_logs_reads_standard_input() -> None:
    result = golive("logs", "--json", "-", stdin="ERROR:root:x\nINFO:root:y\nprocessed 0 errors")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["file"] == "-"
    assert record["lines"] == 3
    assert record["levels"]["error"] == 1 and record["levels"]["unknown"] == 1


def test_logs_bad_input(tmp_path: Path) -> None:
    binary = tmp_path / "core.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03binary")
    good = tmp_path / "good.log"
    good.write_text("ERROR:root:x\n", encoding="utf-8")
    missing = tmp_path / "missing.log"
    result = golive("logs", missing, tmp_path, binary, good)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"golive: {missing}: no such file",
        f"golive: {tmp_path}: is a directory, not a log file",
        f"golive: {binary}: looks like a binary file (it has NUL bytes), not a text log",
    ]
    assert str(good) in result.stdout  # the good file is still counted
    result = golive("logs", "--json", missing)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"golive: {missing}: no such file\n"


def test_logs_tolerates_bad_utf8_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "latin1.log"
    path.write_bytes(
        b"2026-11-22 02:00:00 ERROR caf\xe9 ferm\xe9\r\n\xff\xfe WARN x\r\nINFO:root:ok"
    )
    result = golive("logs", "--json", path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["lines"] == 3
    assert record["levels"]["error"] == 1 and record["levels"]["info"] == 1
    assert record["levels"]["unknown"] == 1


def test_files_are_read_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks end anywhere, even inside a UTF-8 character or a line; the counts stay right."""
    text = ("2026-11-22 02:00:00 ERROR café ☕ failed\n\tat x\nINFO:root:été\n" * 50).encode()
    whole = logs_command.count_stream(io.BytesIO(text)).counter
    for size in (1, 3, 7, 1000):
        monkeypatch.setattr(logs_command, "CHUNK_BYTES", size)
        counter = logs_command.count_stream(io.BytesIO(text)).counter
        assert counts(counter) == counts(whole), size
    assert whole.levels()["error"] == 50 and whole.messages == 100 and whole.lines == 150


def test_a_huge_unfinished_line_is_held_in_bounded_memory() -> None:
    counter = LevelCounter()
    counter.count_text("ERROR:root:" + "x" * (1 << 20))
    counter.count_text("y" * (1 << 20))
    assert counter._pending_size <= 1 << 20
    assert counter.feed_text("z\nINFO:root:next\n") == [Level.ERROR, Level.INFO]
    assert counter.lines == 2 and not counter.pending
