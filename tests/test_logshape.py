"""Each source teaches where its logger puts the level (golive.core.logshape), and the
counter reads every line that way (golive.core.logcount), in chunks or line by line."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.logcount import FIRST_DECISION, LEARN_MESSAGES, RELEARN_AFTER, LevelCounter
from golive.core.loglevels import CONTINUATION, Level, LineKind
from golive.core.logshape import KNOWN, Shape, field_level, first_level_field, learn

INFO, W, E, C, D = Level.INFO, Level.WARNING, Level.ERROR, Level.CRITICAL, Level.DEBUG

# Shapes the known patterns do not read, with each line's level as a person reads it.
SHAPES: dict[str, tuple[int, list[tuple[str, LineKind]]]] = {
    "a date with an underscore, one-letter levels (IBM Spectrum Scale)": (2, [
        ("2026-11-22_02:00:00.123+0100: [I] Command: mmstartup", INFO),
        ("2026-11-22_02:00:01.456+0100: [W] Disk gpfs1nsd is slow: 0 errors so far", W),
        ("2026-11-22_02:00:02.789+0100: [E] Node 10.0.0.7 (ess2) lease renewal overdue", E),
        ("java.io.IOException: error reading block", CONTINUATION),
        ("\tat com.ibm.gpfs.Client.read(Client.java:12)", CONTINUATION),
        ("2026-11-22_02:00:03.012+0100: [I] Accepted and connected to 10.0.0.8 ess3", INFO),
    ]),
    "a dotted date, a mixed-case level late (a SCADA historian)": (5, [
        ("22.11.2026 02:00:00.123 HIST01 Archive Info tag 4711 archived, 0 errors", INFO),
        ("22.11.2026 02:00:01.123 HIST01 Archive Warning disk 80% full", W),
        ("22.11.2026 02:00:02.123 HIST02 Alarm Error line 4 press stopped", E),
        ("22.11.2026 02:00:03.123 HIST01 Archive Info INFO is not the level here", INFO),
    ]),
    "a comma after the time, mixed case (Windows CBS)": (3, [
        ("2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1", INFO),
        ("2016-09-28 04:30:31, Warning               CBS    Failed to get next element", W),
        ("2016-09-28 04:30:31, Error                 CBS    Failed to open package.", E),
        ("2016-09-28 04:30:32, Info                  CSI    Warning: 0 errors reported", INFO),
    ]),
    "eight fields before the level (BlueGene/L RAS)": (9, [
        ("- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 "
         "R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected", INFO),
        ("KERNDTLB 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 "
         "R30-M0-N9-C:J16-U01 RAS KERNEL FATAL data TLB error interrupt", C),
        ("- 1117955341 2005.06.05 R24-M0-NC-C:J03-U11 2005-06-05-00.09.01.903373 "
         "R24-M0-NC-C:J03-U11 RAS KERNEL WARNING  L3 ecc status register", W),
        ("- 1117869872 2005.06.04 R27-M1-N4-I:J18-U11 2005-06-04-00.24.32.398284 "
         "R27-M1-N4-I:J18-U11 RAS APP SEVERE ciod: failed to read message prefix", E),
    ]),
    "a pipe-separated header (a PLC gateway)": (3, [
        ("20261122-02:00:00.123|plc-gw|info|line 4 press started", INFO),
        ("20261122-02:00:01.123|plc-gw|Warning|line 4 pressure high: error budget 2%", W),
        ("20261122-02:00:02.123|plc-gw|ERROR|line 4 stopped", E),
        ("20261122-02:00:03.123|plc-gw|debug|poll 17 ok", D),
    ]),
    "OpenStack with its file name first": (5, [
        ("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO "
         "nova.osapi_compute.wsgi.server [req-38101a0b] 10.11.10.1 GET /v2/servers", INFO),
        ("nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:01.008 25746 ERROR "
         "nova.api.openstack [req-38101a0b] Caught error: Timed out", E),
        ("nova-compute.log.1.2017-05-16_13:55:31 2017-05-16 00:00:04.500 2931 WARNING "
         "nova.compute.manager [req-3ea4052c] While synchronizing instance power states", W),
    ]),
}  # fmt: skip


# Shapes the issue found unread that are known shapes now (a file of many formats, one
# line each, has no shape to learn): a compact date, a two-digit year with slashes.
KNOWN_NOW: dict[str, list[tuple[str, LineKind]]] = {
    "a compact date (HDFS)": [
        ("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating", INFO),
        ("081109 204015 308 WARN dfs.DataNode$DataXceiver: Got exception while serving blk_7", W),
        ("081109 204106 329 ERROR dfs.DataNode: DataXceiver error processing WRITE_BLOCK", E),
        ("081109 204107 329 - dfs.DataNode: an error, with no level written", None),
    ],
    "a two-digit year with slashes (Spark)": [
        ("17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn", INFO),
        ("17/06/09 20:10:41 WARN util.NativeCodeLoader: Unable to load native-hadoop library", W),
        ("17/06/09 20:10:41 ERROR executor.Executor: Exception in task 0.0 in stage 1.0", E),
        ("java.io.IOException: error reading block", CONTINUATION),
        ("\tat org.apache.spark.Foo.bar(Foo.scala:12)", CONTINUATION),
        ("17/06/09 20:10:42 INFO storage.BlockManager: error count is 0", INFO),
    ],
}  # fmt: skip


def counts(counter: LevelCounter) -> tuple[object, ...]:
    return (counter.lines, counter.messages, counter.continuations, counter.levels())


def cut_at_random(text: str, rng: random.Random, largest: int) -> list[LevelCounter]:
    """`text` fed in chunks of random sizes, to feed_text and to count_text, flushed."""
    chunked, fast = LevelCounter(), LevelCounter()
    at = 0
    while at < len(text):
        size = rng.randint(1, largest)
        chunked.feed_text(text[at : at + size])
        fast.count_text(text[at : at + size])
        at += size
    chunked.flush()
    fast.flush()
    return [chunked, fast]


def text_of(lines: list[tuple[str, LineKind]]) -> str:
    return "".join(line + "\n" for line, _ in lines)


@pytest.mark.parametrize("name", SHAPES)
def test_a_source_teaches_its_level_field(name: str) -> None:
    field, lines = SHAPES[name]
    counter = LevelCounter()
    assert counter.feed_text(text_of(lines)) == [kind for _, kind in lines]
    assert counter.shape.describe().startswith(f"inferred: level is field {field}")
    assert learn(line for line, _ in lines).field == field - 1


@pytest.mark.parametrize("name", KNOWN_NOW)
def test_a_compact_date_and_a_two_digit_year_are_known_shapes(name: str) -> None:
    lines = KNOWN_NOW[name]
    known = LevelCounter(learn=False)
    assert known.feed_text(text_of(lines)) == [kind for _, kind in lines]
    one_each = LevelCounter()  # among other formats, a line of each
    mixed = [('{"level":"warn","msg":"x"}', W), *lines[:1], ("<11>Nov 22 02:00:00 h p: x", E)]
    assert one_each.feed_text(text_of(mixed)) == [kind for _, kind in mixed]


@pytest.mark.parametrize("name", [*SHAPES, *KNOWN_NOW])
def test_line_by_line_and_in_chunks_count_the_same(name: str) -> None:
    """The monitor feeds lines one by one; golive logs counts chunks. Once the shape is
    learned, the counts agree, however the text is cut (the first messages are counted
    again when the shape is learned)."""
    lines = (SHAPES[name][1] if name in SHAPES else KNOWN_NOW[name]) * 5
    text = text_of(lines)
    expected = [kind for _, kind in lines]
    one_by_one = LevelCounter()
    for line, _ in lines:
        one_by_one.feed(line)
    whole = LevelCounter()
    assert whole.feed_text(text) == expected
    rng = random.Random(name)
    for _ in range(10):
        for counter in (one_by_one, *cut_at_random(text, rng, 200)):
            assert counts(counter) == counts(whole)


def test_a_word_in_the_message_is_never_the_level() -> None:
    """The learned field is the logger's: a level word later in a line stays text, and a
    line whose field holds no level keeps the known reading (here: none)."""
    counter = LevelCounter()
    kinds = counter.feed_text(
        "22.11.2026 02:00:00.123 HIST01 Archive Info parity error corrected\n"
        "22.11.2026 02:00:01.123 HIST01 Archive Info ERROR count 0\n"
        "22.11.2026 02:00:02.123 HIST01 Archive Warning slow\n"
        "22.11.2026 02:00:03.123 HIST01 Archive - an error, with no level written\n"
        "22.11.2026 02:00:04.123 HIST01 ERROR Archive Info, the level field not a level\n"
    )
    assert kinds == [INFO, INFO, W, None, None]
    assert counter.shape.field == 4


def test_known_shapes_stay_when_they_read_the_source() -> None:
    text = "".join(
        f"2026-11-22 02:00:0{n} [main] {level} com.shop.Orders - order {n} paid, 0 errors\n"
        for n, level in enumerate(["INFO", "WARN", "ERROR", "INFO", "DEBUG"])
    )
    counter = LevelCounter()
    assert counter.feed_text(text) == [INFO, W, E, INFO, D]
    assert counter.shape == Shape(None, 5, 5, "timestamp, then the level", "9-9-9")
    assert counter.shape.describe() == (
        "known: timestamp, then the level; messages start like '9-9-9'"
    )


def test_a_source_with_no_level_says_so() -> None:
    """IIS logs and Go's standard log write no level: every message is unknown, and
    the message words ("error") never make one."""
    counter = LevelCounter()
    counter.feed_text(
        "2026-11-22 02:00:00 10.0.0.7 GET /api/orders - 443 - 10.0.0.9 curl/8 - 500 0 0 12\n"
        "2026-11-22 02:00:01 10.0.0.7 GET /error.aspx - 443 - 10.0.0.9 curl/8 - 200 0 0 3\n"
        "2026/11/22 02:00:02 listening on :8080, errors go to stderr\n"
    )
    assert counter.unknown == 3 and counter.messages == 3
    assert counter.shape.describe() == "no level"


def test_a_mixed_source_is_read_line_by_line() -> None:
    """Containers' combined output: JSON, log4j, Spectrum Scale and historian lines in
    turn. Their levels sit in different fields (the fourth after log4j's milliseconds,
    the second in Spectrum Scale's), so no field is learned: each line is read by the
    known shapes, and the lines in shapes they do not know stay unknown rather than
    guessed."""
    lines = [
        ('{"level":"error","msg":"payment gateway timeout"}', E),
        ("2026-11-22 02:00:01,123 WARN [main] c.s.Orders - slow query", W),
        ("2026-11-22_02:00:01.456+0100: [W] Disk gpfs1nsd is slow", None),
        ('{"level":"info","msg":"ok"}', INFO),
        ("2026-11-22 02:00:02,123 INFO [main] c.s.Orders - paid", INFO),
        ("2026-11-22_02:00:02.789+0100: [E] Node ess2 lease renewal overdue", None),
        ("22.11.2026 02:00:03.123 HIST01 Archive Warning slow", None),
    ]
    counter = LevelCounter()
    assert counter.feed_text(text_of(lines)) == [kind for _, kind in lines]
    assert counter.shape.field is None


def test_a_rotation_to_another_format_is_learned_again() -> None:
    """Fed line by line, as the monitor does: after RELEARN_AFTER messages in a row with
    no level in the learned field, the next messages teach the new shape."""
    counter = LevelCounter()
    for n in range(LEARN_MESSAGES):
        counter.feed(f"22.11.2026 02:00:{n % 60:02}.123 HIST01 Archive Info tag {n}")
    assert counter.shape.field == 4
    cbs = "2016-09-28 04:30:30, {}                  CBS    step {}"
    kinds = [counter.feed(cbs.format("Error" if n % 2 else "Info", n)) for n in range(200)]
    assert counter.shape.field == 2
    # The new format's messages are read from the point it was learned again.
    relearned = RELEARN_AFTER + FIRST_DECISION
    assert kinds[relearned:] == [E if n % 2 else INFO for n in range(relearned, 200)]
    assert counter.counts[E] >= (200 - RELEARN_AFTER) // 2


def test_relearn_is_a_fresh_start() -> None:
    counter = LevelCounter()
    counter.feed_text("22.11.2026 02:00:00.123 HIST01 Archive Info tag\n" * 5)
    assert counter.shape.field == 4
    counter.relearn()
    counter.feed_text(
        "2026-11-22_02:00:01.456+0100: [W] Disk gpfs1nsd is slow\n" * 3
        + "2026-11-22_02:00:02.789+0100: [E] Node ess2 lease renewal overdue\n" * 2
    )
    assert counter.shape.field == 1 and (counter.counts[W], counter.counts[E]) == (3, 2)


def test_without_learning_only_the_known_shapes_read() -> None:
    counter = LevelCounter(learn=False)
    counter.feed_text(
        text_of(SHAPES["a dotted date, a mixed-case level late (a SCADA historian)"][1])
    )
    assert counter.unknown == 4 and counter.shape is KNOWN


@pytest.mark.parametrize(
    ("field", "level"),
    [
        ("[Warning]", W), ("<Error>", E), ("INFO:", INFO), ("Info,", INFO), ("(E)", E),
        ("e", None), ("X", None), ("D3", D), ("[INFO/MainProcess]", INFO), ("[WRN]", W),
        ("warnings", None), ("-", None), ("", None), ("'error'", E), ("TRACE3", D),
    ],
)  # fmt: skip
def test_what_a_field_may_hold(field: str, level: Level | None) -> None:
    assert field_level(field) is level


def test_the_first_level_field_is_within_the_header() -> None:
    assert first_level_field("a b c INFO d") == (3, "INFO")
    assert first_level_field(" ".join(["x"] * 12) + " ERROR late") is None
    assert first_level_field("a|b|Warning|c") == (2, "Warning")


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("05-21 15:05:52.808  1047  1116  1240 E FMQ     : MQDescriptor is invalid", E),
        ("I20200308 23:47:32.089828 400441 config.cc:27] Loading user configuration", INFO),
        ("1234:M 22 Nov 2026 02:00:00.123 # WARNING overcommit_memory is set to 0", W),
        ("1234:M 22 Nov 2026 02:00:00.123 * Ready to accept connections tcp", Level.NOTICE),
        ("1234:S 22 Nov 2026 02:00:00.123 . 0 clients connected (0 replicas)", D),
        ("- 1117838570 2005.06.03 R02-M1-N0 a line that starts with a dash", None),
        ("* a Markdown bullet, not Redis", None),
    ],
)
def test_known_shapes_of_logcat_with_a_uid_glog_with_its_year_and_redis(
    line: str, level: Level | None
) -> None:
    assert LevelCounter().feed(line) is level


def test_postgres_after_a_long_prefix_is_learned() -> None:
    text = "".join(
        f"2017-09-06 08:41:4{n} UTC [44]: [37{n}-1] user=postgres,db=shop,app=pgbench,client=10.0.0.1 "
        f"{word}:  duration: {n} ms\n"
        for n, word in enumerate(["LOG", "LOG", "ERROR", "WARNING", "LOG"])
    )
    counter = LevelCounter()
    assert counter.feed_text(text) == [INFO, INFO, E, W, INFO]


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('time=2026-11-22T02:00:10Z level=DEBUG-4 msg="gc stats"', D),
        ('time=2026-11-22T02:00:10Z level=WARN+2 msg="slow"', W),
        ('{"time":"2026-11-22T02:00:10Z","level":"ERROR+4","msg":"lost"}', E),
        ('time=2026-11-22T02:00:10Z level=NOPE+2 msg="not a level"', None),
    ],
)
def test_go_slog_offset_levels_are_their_named_level(line: str, level: Level | None) -> None:
    assert LevelCounter().feed(line) is level


# A syslog file: each program's own text follows the prefix, in the program's own shape.
SYSLOG: list[tuple[str, LineKind]] = [
    ("Nov 22 02:00:01 shop01 systemd[1]: Started Session 12 of user deploy.", None),
    ("Nov 22 02:00:01 shop01 dockerd[702]: time=\"2026-11-22T02:00:01Z\" level=warning "
     "msg=\"Your kernel does not support cgroup swap limit\"", W),
    ("Nov 22 02:00:02 shop01 cron[610]: (CRON) INFO (pidfile fd = 3)", None),
    ("Nov 22 02:00:03 shop01 shop-api[9100]: 2026-11-22 02:00:03,512 INFO  [main] "
     "c.s.api.Application - Started Application in 4.2 seconds", INFO),
    ("Nov 22 02:00:04 shop01 shop-api[9100]: 2026-11-22 02:00:04,001 ERROR [pool-1] "
     "c.s.api.RedisClient - redis gone", E),
    ("Nov 22 02:00:04 shop01 shop-api[9100]: \tat c.s.api.RedisClient.get(RedisClient.java:42)",
     CONTINUATION),
    ("Nov 22 02:00:05 shop01 kernel:  BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)",
     None),
    ("Nov 22 02:00:06 shop01 sshd[812]: error: kex_exchange_identification: Connection closed",
     E),
    ("Nov 22 02:00:07 shop01 CRON[3301]: (CRON) error (grandchild #3302 failed)", None),
    ("Nov 22 02:00:08 shop01 systemd[1]: Stopping Session 12 of user deploy...", None),
]  # fmt: skip


def test_a_syslog_file_is_read_after_its_prefix_in_each_program_s_own_shape() -> None:
    """A service under systemd writes its own header (a logfmt level, a log4j one) after
    the prefix; cron's "(CRON) INFO (...)" is the text of its message, not a level."""
    counter = LevelCounter()
    assert counter.feed_text(text_of(SYSLOG)) == [kind for _, kind in SYSLOG]
    assert counter.shape.syslog
    assert counter.shape.describe().startswith("known: syslog")


def test_a_syslog_file_counts_the_same_line_by_line_and_in_chunks() -> None:
    lines = SYSLOG * 5
    text = text_of(lines)
    whole = LevelCounter()
    assert whole.feed_text(text) == [kind for _, kind in lines]
    one_by_one = LevelCounter()
    for line, _ in lines:
        one_by_one.feed(line)
    for counter in (one_by_one, *cut_at_random(text, random.Random(7), 300)):
        assert counts(counter) == counts(whole)


def test_a_few_syslog_lines_in_another_format_do_not_make_it_syslog() -> None:
    mixed = [(line, kind) for line, kind in SYSLOG[:3]] + [
        (f"2026-11-22 02:00:{n:02d},000 INFO [main] app - tick {n}", INFO) for n in range(10)
    ]
    counter = LevelCounter()
    counter.feed_text(text_of(mixed))
    assert not counter.shape.syslog


def test_logcat_s_buffer_separator_is_a_line_of_its_own() -> None:
    """Between buffers logcat writes '--------- beginning of crash'; the source has
    learned that its messages start with a date, but the separator is not part of the
    error above it."""
    lines: list[tuple[str, LineKind]] = [
        (f"11-22 02:00:{n:02d}.123  1702  1702 I ActivityManager: tick {n}", INFO) for n in range(6)
    ]
    lines += [
        ("11-22 02:00:07.777  8123  8161 E ShopApp : checkout failed: HTTP 502", E),
        ("--------- beginning of crash", None),
        ("11-22 02:00:08.001  8123  8123 E AndroidRuntime: FATAL EXCEPTION: main", E),
        ("a wrapped line of that message", CONTINUATION),
    ]
    counter = LevelCounter()
    assert counter.feed_text(text_of(lines)) == [kind for _, kind in lines]
    assert counter.shape.start is not None


def test_a_wrapped_line_that_starts_with_a_number_ending_a_sentence_is_text() -> None:
    """Ansible wraps a long warning: its next line starts with a version number, which
    ends a sentence there ("9.0.0. Deprecation ..."): text, not another program's header."""
    lines: list[tuple[str, LineKind]] = [
        (f"2026-11-22 02:00:{n:02d},123 p=41022 u=deploy n=ansible INFO| ok: [web0{n}]", INFO)
        for n in range(5)
    ]
    lines += [
        ("2026-11-22 02:00:16,000 p=41022 u=deploy n=ansible WARNING| [DEPRECATION WARNING]: "
         "community.general.yum_versionlock will be removed in version", W),
        ("9.0.0. Deprecation warnings can be disabled in ansible.cfg.", CONTINUATION),
        ("3. Restart the play", CONTINUATION),
        ("10.0.0.23 - - [22/Nov/2026:02:00:17 +0000] \"GET / HTTP/1.1\" 200 12", None),
        ("2026-11-22 02:00:20,000 p=41022 u=deploy n=ansible INFO| PLAY RECAP", INFO),
    ]  # fmt: skip
    counter = LevelCounter()
    assert counter.feed_text(text_of(lines)) == [kind for _, kind in lines]


# A Windows event log saved as CSV: the column names first, the level in field 1, and a
# quoted description that runs over several lines (one of them a GUID in braces).
EVENT_CSV: list[tuple[str, LineKind]] = [
    ("Level,Date and Time,Source,Event ID,Task Category", None),
    ("Information,11/22/2026 2:00:00 AM,Service Control Manager,7036,None,The service entered"
     " the running state.", INFO),
    ("Warning,11/22/2026 2:00:05 AM,Microsoft-Windows-Time-Service,36,None,The time service"
     " has not synchronized", W),
    ('Error,11/22/2026 2:00:09 AM,Service Control Manager,7000,None,"The ShopSync service'
     " failed to start due to the following error: ", E),
    ('The service did not respond to the start or control request in a timely fashion."',
     CONTINUATION),
    ('Warning,11/22/2026 2:00:40 AM,Microsoft-Windows-DistributedCOM,10016,None,"The'
     " application-specific permission settings do not grant Local Activation permission for"
     " the COM Server application with CLSID ", W),
    ("{9CA88EE3-ACB7-47C8-AFC4-AB702511C276}", CONTINUATION),
    (' to the user NT AUTHORITY\\SYSTEM SID (S-1-5-18)."', CONTINUATION),
    ("Critical,11/22/2026 2:00:12 AM,Microsoft-Windows-Kernel-Power,41,(63),The system has"
     " rebooted without cleanly shutting down first.", C),
    ("Verbose,11/22/2026 2:00:41 AM,Microsoft-Windows-GroupPolicy,4016,None,Starting Registry"
     " Extension Processing. 0 errors so far.", D),
]  # fmt: skip


def test_a_csv_export_s_column_names_are_a_message_and_its_quoted_lines_continue() -> None:
    counter = LevelCounter()
    assert counter.feed_text(text_of(EVENT_CSV)) == [kind for _, kind in EVENT_CSV]
    assert counter.shape.describe() == "inferred: level is field 1; messages start like 'a,9/9/9'"
    one_by_one = LevelCounter()
    for line, _ in EVENT_CSV:
        one_by_one.feed(line)
    assert one_by_one.levels() == counter.levels()
    assert one_by_one.continuations == counter.continuations == 3


# java.util.logging's SimpleFormatter: each record on two lines, the level on the second.
JUL: list[tuple[str, LineKind]] = [
    ("Nov 22, 2026 2:00:00 AM com.shop.batch.InvoiceJob start", INFO),
    ("INFO: Invoice job started, 412 orders to bill (0 errors)", CONTINUATION),
    ("Nov 22, 2026 2:00:04 AM com.shop.batch.PdfRenderer render", E),
    ("SEVERE: Could not render invoice 88231", CONTINUATION),
    ("java.io.IOException: font not found", CONTINUATION),
    ("\tat com.shop.batch.PdfRenderer.render(PdfRenderer.java:88)", CONTINUATION),
    ("Nov 22, 2026 2:00:05 AM com.shop.batch.Mailer send", D),
    ("FINER: ENTRY 88230", CONTINUATION),
    ("Nov 22, 2026 2:00:06 AM com.shop.batch.Config load", INFO),
    ("CONFIG: relay mail01:25", CONTINUATION),
    ("Nov 22, 2026 2:00:07 AM com.shop.batch.Mailer send", W),
    ("WARNING: Retrying after error: 421 4.7.0 Try again later", CONTINUATION),
]


def test_a_two_line_record_counts_once_at_the_level_on_its_second_line() -> None:
    counter = LevelCounter()
    assert counter.feed_text(text_of(JUL)) == [kind for _, kind in JUL]
    assert (counter.messages, counter.continuations) == (5, 7)
    assert counter.levels() == {
        "critical": 0, "error": 1, "warning": 1, "notice": 0, "info": 2, "debug": 1,
        "unknown": 0,
    }  # fmt: skip


def test_a_two_line_record_counts_the_same_line_by_line_and_however_cut() -> None:
    """Line by line the level comes with the second line: the first waits (returned as a
    continuation) and the second returns the record's level; the counts are the same."""
    lines = JUL * 12  # past the learning, so that the bulk path reads most of it
    text = text_of(lines)
    whole = LevelCounter()
    assert whole.feed_text(text) == [kind for _, kind in lines]
    one_by_one = LevelCounter()
    returned = [one_by_one.feed(line) for line, _ in lines]
    firsts = [n for n, (line, _) in enumerate(lines) if line.startswith("Nov 22")]
    assert all(returned[n] is CONTINUATION for n in firsts)
    assert [returned[n + 1] for n in firsts] == [lines[n][1] for n in firsts]
    rng = random.Random(3)
    for _ in range(20):
        for counter in (one_by_one, *cut_at_random(text, rng, 400)):
            assert counts(counter) == counts(whole)


def test_a_first_line_with_no_level_line_after_it_is_a_message_of_its_own() -> None:
    lines: list[tuple[str, LineKind]] = [
        ("Nov 22, 2026 2:00:00 AM com.shop.batch.InvoiceJob start", None),
        ("2026-11-22 02:00:01,000 ERROR [main] c.s.Orders - failed", E),
        ("Nov 22, 2026 2:00:02 AM com.shop.batch.InvoiceJob stop", INFO),
        ("INFO: stopped", CONTINUATION),
        ("Nov 22, 2026 2:00:03 AM a header at the very end", CONTINUATION),
    ]
    whole = LevelCounter()
    # The last line waits for a second line (a continuation for now); flush() ends it.
    assert whole.feed_text(text_of(lines)) == [kind for _, kind in lines]
    assert whole.unknown == 1
    assert whole.flush() == []
    assert whole.unknown == 2
    one_by_one = LevelCounter()
    for line, _ in lines:
        one_by_one.feed(line)
    assert one_by_one.unknown == 1  # the last header still waits for its second line
    one_by_one.flush()
    assert one_by_one.levels() == whole.levels()
    assert (one_by_one.lines, one_by_one.messages) == (whole.lines, whole.messages) == (5, 4)


# Oracle's alert log: each group of messages after a line with only its timestamp.
ALERT_LOG: list[tuple[str, LineKind]] = [
    ("2026-11-22T02:00:00.123456+00:00", None),
    ("Starting ORACLE instance (normal) (OS id: 4321)", None),
    ("2026-11-22T02:00:10.002130+00:00", None),
    ("Thread 1 advanced to log sequence 4812 (LGWR switch),  current SCN: 98234112", None),
    ("  Current log# 2 seq# 4812 mem# 0: /u01/oradata/SHOP/redo02.log", CONTINUATION),
    ("2026-11-22T02:05:12.345678+00:00", None),
    ("Errors in file /u01/app/oracle/diag/rdbms/shop/SHOP/trace/SHOP_ora_12345.trc:", None),
    ("ORA-00600: internal error code, arguments: [kdsgrp1], [], []", CONTINUATION),
    ('ORA-06512: at "SHOP.PURGE_PKG", line 42', CONTINUATION),
    ("Incident details in: /u01/app/oracle/diag/rdbms/shop/SHOP/incident/i48213.trc", None),
    ("ORA-1653: unable to extend table SHOP.ORDER_ITEMS by 1024 in tablespace USERS", None),
    ("2026-11-22T02:12:00.001234+00:00", None),
    ("Warning: VKTM detected a forward time drift.", W),
    ("Time drifts can result in unexpected behavior such as time-outs.", CONTINUATION),
    ("Please check trace file for more details:", CONTINUATION),
    ("/u01/app/oracle/diag/rdbms/shop/SHOP/trace/SHOP_vktm_4400.trc", CONTINUATION),
    ("Sun Nov 22 02:31:18 2026", None),  # the 11g timestamp line
    ("Shutting down instance (immediate)", None),
    ("License high water mark = 48", None),
    ("ORA-1653: unable to extend table SHOP.SESSIONS by 128 in tablespace USERS", None),
]


def test_an_alert_log_is_read_in_its_groups() -> None:
    counter = LevelCounter()
    assert counter.feed_text(text_of(ALERT_LOG)) == [kind for _, kind in ALERT_LOG]
    assert counter.shape.alert_log
    assert counter.shape.describe().startswith("known: Oracle alert log")


def test_an_alert_log_counts_the_same_line_by_line_and_however_cut() -> None:
    lines = ALERT_LOG * 8
    text = text_of(lines)
    whole = LevelCounter()
    assert whole.feed_text(text) == [kind for _, kind in lines]
    one_by_one = LevelCounter()
    assert [one_by_one.feed(line) for line, _ in lines][FIRST_DECISION * 4 :] == [
        kind for _, kind in lines
    ][FIRST_DECISION * 4 :]  # from when it is known to be an alert log
    rng = random.Random(5)
    for _ in range(10):
        for counter in (one_by_one, *cut_at_random(text, rng, 300)):
            assert counts(counter) == counts(whole)


def test_a_few_timestamp_lines_do_not_make_an_alert_log() -> None:
    """A level's later lines go on to the next timestamp line only in an alert log."""
    lines: list[tuple[str, LineKind]] = [
        (f"2026-11-22 02:00:{n:02d},000 INFO [main] c.s.Orders - order {n}", INFO)
        for n in range(30)
    ]
    lines[5:5] = [("2026-11-22T02:00:00.123456+00:00", None)] * 3
    lines[12:12] = [
        ("Warning: disk 91% full", W),
        ("2026-11-22 02:00:40,000 [main] c.s.Orders - a line with no level", None),
    ]
    counter = LevelCounter()
    assert counter.feed_text(text_of(lines)) == [kind for _, kind in lines]
    assert not counter.shape.alert_log


def test_a_record_s_first_line_at_the_very_end_without_a_newline_is_counted() -> None:
    """The file ends inside a record: its first line, unfinished. flush() counts it."""
    text = text_of(JUL[:4]) + "Nov 22, 2026 2:00:09 AM com.shop.batch.InvoiceJob stop"
    whole = LevelCounter()
    whole.feed_text(text)
    whole.flush()
    assert (whole.lines, whole.messages, whole.unknown) == (5, 3, 1)
    for cut in range(1, len(text)):
        chunked = LevelCounter()
        chunked.count_text(text[:cut])
        chunked.count_text(text[cut:])
        chunked.flush()
        assert (chunked.lines, chunked.levels()) == (whole.lines, whole.levels()), cut


# Lines of the shapes that need the line before or after, mixed with others.
NEIGHBOURS = [
    "Nov 22, 2026 2:00:00 AM com.shop.Job run", "SEVERE: failed", "INFO: ok", "CONFIG: x",
    "2026-11-22T02:00:04.551202+00:00", "Warning: disk 91% full", "Errors in file /u01/x.trc:",
    "ORA-00600: internal error code", "ORA-1653: unable to extend", "Time drifts can result",
    "2026-11-22 02:00:00,123 ERROR [main] a - b", "\tat x.y(Z.java:1)", "", "  indented",
    'Error,11/22/2026 2:00:09 AM,SCM,7000,None,"The service', 'done."',
    "Information,11/22/2026 2:00:00 AM,SCM,1,None,ok", 'File "/x.py", line 3, in f',
    "2021-12-03 07:14:48.591 UTC [4913] user=u,db=d LOG:  duration: 1 ms", " * Running on x",
    '{"level":"error","msg":"x"}', "Nov 22 02:00:01 host app[1]: ERROR x",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(NEIGHBOURS), min_size=1, max_size=120),
    st.booleans(),
    st.lists(st.integers(1, 150), min_size=1, max_size=40),
)
def test_neighbouring_lines_count_the_same_on_every_path(
    lines: list[str], final_newline: bool, sizes: list[int]
) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    whole = LevelCounter()
    whole.feed_text(text)
    whole.flush()
    one_by_one = LevelCounter()
    fed = text.split("\n")
    for line in fed[:-1] if text.endswith("\n") or not text else fed:
        one_by_one.feed(line)
    one_by_one.flush()
    chunked, fast = LevelCounter(), LevelCounter()
    at, turn = 0, 0
    while at < len(text):
        size = sizes[turn % len(sizes)]
        chunked.feed_text(text[at : at + size])
        fast.count_text(text[at : at + size])
        at, turn = at + size, turn + 1
    chunked.flush()
    fast.flush()
    for counter in (one_by_one, chunked, fast):
        assert (counter.lines, counter.messages, counter.continuations) == (
            whole.lines, whole.messages, whole.continuations,
        )  # fmt: skip
        assert counter.levels() == whole.levels()


def test_long_lines_among_the_first_messages_are_read_again_whole() -> None:
    """A sample keeps a line's first KiB; it is read again when the shape is learned."""
    counter = LevelCounter()
    counter.count_text(("2026-11-22 02:00:01 INFO " + "x" * 1100 + "\n") * 3)
    assert counter.levels()["info"] == 3


def test_a_two_line_record_keeps_its_level_when_the_shape_is_learned_after_it() -> None:
    """CONFIG on its own reads no level: the record's sample keeps the level it had."""
    text = "Nov 22, 2026 2:00:00 AM com.shop.Job run\nCONFIG: starting\n" + "".join(
        f"web1 | INFO | tick {n}\n" for n in range(6)
    )
    counter = LevelCounter()
    counter.feed_text(text)
    assert (counter.levels()["info"], counter.unknown) == (7, 0)
