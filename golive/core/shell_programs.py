"""Commands that read text as code: shells, `eval`, interpreters, and what feeds them.

A placeholder's value reaches a command verbatim as one word (see shell.py). It
still becomes code when that command hands the word to a shell or another
interpreter: `bash -o pipefail -c "echo {{x}}"`, `docker exec db sh -c "..."`,
`perl -pe 's/a/{{x}}/'`, `printf '%s' {{x}} | sh`, `sh <<EOF ... {{x}} ... EOF`. Nor
does the value have to be spliced in directly: `V={{x}}; sh -c "echo $V"` does the
same through a variable. So in a script that holds any placeholder, golive asks of
every command:

- **Its name** must be a literal (quotes and backslashes are undone first, so
  `s\\h` and `/bin/"sh"` are `sh`), or end in a literal program after a `/`
  (`{{bin}}/tool`). A name golive cannot read (`$CMD`, `$(...)`, a glob) is refused.
- **Any word** naming a shell, an `eval`-like builtin, a remote or deferred
  runner (`ssh`, `su`, `sg`, `watch`, `at`, ...) or an interpreter makes golive read
  that program's own options, wherever the word stands: behind `sudo`, `timeout`,
  `docker exec`, `setpriv` or any other wrapper. The text such a program runs as
  code (`sh -c SCRIPT`, `python3 -uc CODE`, `perl -pe CODE`, an awk or sed
  program, a psql command) must be a literal with nothing expanded in it; a
  program that reads its code from stdin (`sh`, `sh -s`, `sh -`, `sh /dev/stdin`,
  `python3`, `psql`, `sqlite3`, `ed`, ...) must not be fed anything.
- **Builtins that take variable names** (`read`, `unset`, `printf -v`, `test -v`,
  `compgen`, ...) get no placeholder, and neither do variables the shell or a program
  evaluates (PS4, PROMPT_COMMAND, BASH_ENV, PATH, LD_PRELOAD, ...).

This module knows programs; shell.py knows where a placeholder stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

SHELLS = frozenset({"sh", "bash", "rbash", "dash", "zsh", "ksh", "ksh93", "mksh", "pdksh",
                    "ash", "yash", "posh", "fish", "csh", "tcsh", "busybox", "toybox"})  # fmt: skip
# Shell options that take the next word as their argument.
_SHELL_OPTION_ARGUMENT = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
# Programs whose arguments are code, run here, on another host, as another user or later.
CODE_RUNNERS = frozenset({"eval", "trap", "alias", "let", "source", ".", "ssh", "sshpass", "su",
                          "runuser", "sg", "newgrp", "watch", "script", "parallel", "at",
                          "batch", "crontab", "tmux", "screen", "expect", "compgen", "complete",
                          "bind", "fc", "enable", "pkexec", "machinectl", "ansible", "pdsh",
                          "clush", "salt"})  # fmt: skip
# Which of those read code from stdin when they are fed.
_STDIN_RUNNERS = frozenset({"ssh", "sshpass", "su", "runuser", "sg", "newgrp", "at", "batch",
                            "crontab", "expect", "pkexec", "machinectl"})  # fmt: skip
# Builtins whose arguments are variable names: bash evaluates a[$(cmd)] in a name.
NAME_TAKERS = frozenset({"read", "unset", "mapfile", "readarray", "getopts", "wait", "declare",
                         "typeset", "local", "export", "readonly", "shopt", "hash"})  # fmt: skip
# Interpreters: the option letters that take code, and whether their first operand is a
# program (awk, sed, jq) rather than a script file.
INTERPRETERS: dict[str, tuple[str, bool]] = {
    "python": ("c", False), "pypy": ("c", False), "perl": ("eE", False), "ruby": ("e", False),
    "node": ("ep", False), "nodejs": ("ep", False), "deno": ("", False), "bun": ("e", False),
    "php": ("rRBE", False), "lua": ("e", False), "luajit": ("e", False), "tclsh": ("", False),
    "wish": ("", False), "Rscript": ("e", False), "R": ("e", False), "pwsh": ("c", False),
    "osascript": ("e", False), "psql": ("c", False), "mysql": ("e", False),
    "mariadb": ("e", False), "sqlite3": ("", False), "awk": ("", True),
    "gawk": ("", True), "mawk": ("", True), "nawk": ("", True), "sed": ("", True),
    "gsed": ("", True), "jq": ("", True), "yq": ("", True),
}  # fmt: skip
# Interpreters that take no safe argument at all: every argument may be a command.
_ALL_CODE = frozenset({"vim", "vi", "nvim", "ex", "view", "ed", "red", "emacs", "dc", "bc", "gdb",
                       "lldb"})  # fmt: skip
# Long options that take code.
_CODE_LONG = ("--eval", "--print", "--command", "--execute", "--expression", "--source",
              "--split-string", "--exec", "--init-command")  # fmt: skip
# Options with a separate argument (so the argument is not taken for a program or file).
_OPTION_ARGUMENT = frozenset({"-m", "-W", "-X", "-I", "-M", "-f", "-F", "-v", "-d", "-U", "-h",
                              "-p", "-x", "--arg", "--argjson", "--file", "--from-file",
                              "--dbname", "--host", "--port", "--username"})  # fmt: skip
_OWNS_ITS_ARGUMENTS = (
    (SHELLS - {"busybox", "toybox"}) | CODE_RUNNERS | frozenset(INTERPRETERS) | _ALL_CODE
)
_STDIN_FILES = ("-", "/dev/stdin", "/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/")

# Read by data only: a placeholder may reach them through a pipe or a here-document.
DATA_CONSUMERS = frozenset({
    "cat", "tee", "grep", "egrep", "fgrep", "zgrep", "rg", "head", "tail", "wc", "sort", "uniq",
    "cut", "tr", "paste", "column", "fold", "fmt", "nl", "od", "hexdump", "xxd", "base64",
    "base32", "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum",
    "cksum", "gzip", "gunzip", "zcat", "bzip2", "bunzip2", "xz", "unxz", "zstd", "dd", "logger",
    "tac", "rev", "expand", "unexpand", "comm", "join", "iconv", "dos2unix", "unix2dos", "split",
    "sponge", "pv", "shasum", "diff", "cmp", "true", "false",
})  # fmt: skip
# Builtins that never read code: fine inside a consumer (while read ...; do printf ...).
SAFE_BUILTINS = frozenset({"read", "echo", "printf", "test", "[", ":", "shift", "set", "cd",
                           "pwd", "exit", "return", "break", "continue", "sleep", "true",
                           "false"})  # fmt: skip
# Variables the shell, the dynamic loader or a program evaluates or searches.
SPECIAL_VARIABLES = frozenset({
    "PS0", "PS1", "PS2", "PS3", "PS4", "PROMPT_COMMAND", "BASH_ENV", "ENV", "SHELLOPTS",
    "BASHOPTS", "PATH", "IFS", "CDPATH", "GLOBIGNORE", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT",
    "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB",
    "NODE_OPTIONS", "NODE_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH",
    "GIT_EXTERNAL_DIFF", "GIT_PAGER", "SSH_ASKPASS", "SUDO_ASKPASS", "PAGER", "EDITOR", "VISUAL",
    "MANPAGER", "BROWSER", "TERMINFO", "HISTFILE", "FPATH",
})  # fmt: skip

_VERSIONED = re.compile(
    r"(python|pypy|perl|ruby|node|php|lua|luajit|tclsh|wish|bash|zsh|ksh|gawk|pwsh)[0-9.]*\Z"
)


def program(word: str) -> str:
    """The program a literal word names: its basename, without a version suffix."""
    name = word.rsplit("/", 1)[-1]
    matched = _VERSIONED.match(name)
    return matched.group(1) if matched else name


def unquote(node: Node) -> str | None:
    """A word's value when it is a plain literal: quotes and backslashes undone, nothing
    expanded, no glob. None when the word holds anything the shell would expand."""
    kind = node.type
    if _has_probe(node):
        return None  # a placeholder's value is not known here
    text = (node.text or b"").decode(errors="replace")
    if kind == "number":
        return text
    if kind == "word":
        if re.search(r"(?<!\\)[*?\[]", text):
            return None  # a glob: the name depends on the files there
        return re.sub(r"\\(.)", r"\1", text.replace("\\\n", ""), flags=re.S)
    if kind == "raw_string":
        return text[1:-1]
    if kind == "string":
        parts = node.children[1:-1]
        if all(c.type == "string_content" for c in parts):
            inner = "".join((c.text or b"").decode(errors="replace") for c in parts)
            return re.sub(r'\\([\\"$`])', r"\1", inner.replace("\\\n", ""))
        return None
    if kind == "concatenation":
        pieces = [unquote(child) for child in node.children]
        return None if any(p is None for p in pieces) else "".join(p for p in pieces if p)
    return None


@dataclass(frozen=True)
class Word:
    node: Node
    literal: str | None  # None: expanded at run time (or a glob)
    has_probe: bool


@dataclass(frozen=True)
class Finding:
    """Why a script with placeholders is refused, at the byte where the reason is."""

    at: int  # byte offset in the probe source
    message: str
    hint: str


HINT_LITERAL = (
    "write the code it runs as a literal and pass the value as an argument, as in "
    "sh -c 'echo \"$1\"' sh {{NAME}}, or let the code read $GOLIVE_VAR_NAME itself"
)
HINT_STDIN = "run the commands in the step itself and pass the value as an argument"


def _has_probe(node: Node) -> bool:
    return b"__golive_" in (node.text or b"")


def command_words(command: Node) -> list[Word]:
    words: list[Word] = []
    for position, part in enumerate(command.children):
        if part.type == "command_name":
            inner = part.children[0] if part.children else part
            words.append(Word(part, unquote(inner), _has_probe(part)))
        elif command.field_name_for_child(position) == "argument":
            words.append(Word(part, unquote(part), _has_probe(part)))
    return words


def judge_command(command: Node, fed: bool) -> Iterator[Finding]:
    """What is wrong with one command of a script that holds placeholders. `fed`: its
    stdin carries data from the script (a pipe, a here-document, a redirection)."""
    words = command_words(command)
    if not words:
        return
    name = words[0]
    if name.literal is None:
        tail = (name.node.text or b"").decode(errors="replace").rsplit("/", 1)
        literal_program = len(tail) == 2 and re.fullmatch(r"[\w.+-]+", tail[1])
        if not literal_program:
            if name.has_probe:
                yield Finding(name.node.start_byte,
                    "{{NAME}} becomes the program name, so its value would choose what runs",
                    "name the program in the runbook; a variable may give its folder: {{NAME}}/tool")  # fmt: skip
            else:
                yield Finding(name.node.start_byte,
                    "a program named by an expansion, which golive cannot read, in a script with {{NAME}}",
                    "name the program in the runbook (a variable may give its folder: $DIR/tool)")  # fmt: skip
            return
    for index, word in enumerate(words):
        if word.literal is None:
            continue
        found = _judge_program(words, index, fed)
        if found is not None:
            yield found
            return
        if program(word.literal) in _OWNS_ITS_ARGUMENTS:
            return  # what follows are that program's own arguments: sh -c '...' sh {{x}}


def _judge_program(words: list[Word], index: int, fed: bool) -> Finding | None:
    word = words[index]
    assert word.literal is not None
    name = program(word.literal)
    rest = words[index + 1 :]
    at = word.node.start_byte
    if name == "env" and any(
        w.literal is not None and (w.literal.startswith("-S") or w.literal.startswith("--split"))
        for w in rest
    ):
        return _literal_rest(rest, at, "env -S")
    if name in SHELLS:
        return _judge_shell(name, rest, at, fed)
    if name in CODE_RUNNERS:
        if name == "alias":
            return Finding(at, "the script defines an alias, which can change what any name "
                           "runs, and it holds {{NAME}}", "call the program by its own name")  # fmt: skip
        if fed and name in _STDIN_RUNNERS:
            return Finding(at, f"{name} reads commands from its input, and the script feeds it "
                           "while it holds {{NAME}}", HINT_STDIN)  # fmt: skip
        return _literal_rest(rest, at, name)
    if name in NAME_TAKERS and index == 0:
        return _no_probe(rest, at, f"{{{{NAME}}}} is an argument of {name}, which reads it as a "
                         "variable name", "name the variable in the runbook and assign the value: v={{NAME}}")  # fmt: skip
    if name == "printf" and index == 0 and rest and (rest[0].node.text or b"").startswith(b"-v"):
        return _no_probe(rest[:2], at, "{{NAME}} is an argument of printf -v, which takes a "
                         "variable name", "assign with v=$(printf ...)")  # fmt: skip
    if name in ("test", "[") and index == 0 and any(w.literal in ("-v", "-R") for w in rest):
        return _no_probe(rest, at, "{{NAME}} is near test -v, which takes a variable name",
                         "compare the value instead")  # fmt: skip
    if name in _ALL_CODE:
        if fed:
            return Finding(at, f"{name} reads commands from its input, and the script feeds it "
                           "while it holds {{NAME}}", HINT_STDIN)  # fmt: skip
        return _literal_rest(rest, at, name)
    if name in INTERPRETERS:
        return _judge_interpreter(name, rest, at, fed)
    if (
        name == "sudo"
        and fed
        and any(w.literal in ("-s", "-i", "--shell", "--login") for w in rest)
    ):
        return Finding(at, "sudo -s runs a shell that reads commands from its input, and the "
                       "script feeds it while it holds {{NAME}}", HINT_STDIN)  # fmt: skip
    if name == "xargs" and any(
        (w.literal or "").startswith(("-I", "-i", "--replace")) for w in rest
    ):
        return Finding(at, "xargs -I puts its input into the command it builds, in a script "
                       "with {{NAME}}", "pass the value as an argument instead")  # fmt: skip
    return None


def _literal_rest(rest: list[Word], at: int, name: str) -> Finding | None:
    for word in rest:
        if word.literal is None:
            what = "{{NAME}}" if word.has_probe else "an expanded word"
            return Finding(word.node.start_byte, f"{what} is an argument of {name}, which runs "
                           "its arguments as code (or on another host)", HINT_LITERAL)  # fmt: skip
    return None


def _no_probe(rest: list[Word], at: int, message: str, hint: str) -> Finding | None:
    for word in rest:
        if word.has_probe:
            return Finding(word.node.start_byte, message, hint)
    return None


def _stdin_path(text: str) -> bool:
    return text == "-" or text.startswith(_STDIN_FILES[1:])


def _judge_shell(name: str, rest: list[Word], at: int, fed: bool) -> Finding | None:
    position = 0
    takes_command = reads_stdin = False
    while position < len(rest):
        word = rest[position]
        if word.literal is None:
            if position == 0 or rest[position - 1].literal not in _SHELL_OPTION_ARGUMENT:
                break  # the first operand: the script (or the script file)
            position += 1
            continue
        text = word.literal
        if text == "--":
            position += 1
            break
        if text in _SHELL_OPTION_ARGUMENT:
            position += 2
            continue
        if (
            (text.startswith("-") or text.startswith("+"))
            and len(text) > 1
            and not text.startswith("--")
        ):
            takes_command = takes_command or "c" in text[1:]
            reads_stdin = reads_stdin or "s" in text[1:]
            position += 1
            continue
        if text.startswith("--"):
            position += 1
            continue
        break
    operand = rest[position] if position < len(rest) else None
    if name in ("busybox", "toybox"):
        return None  # `busybox sh ...`: the word `sh` after it is judged on its own
    if takes_command:
        if operand is None:
            return None
        if operand.literal is None:
            what = "{{NAME}}" if operand.has_probe else "an expanded word"
            return Finding(operand.node.start_byte, f"{what} is inside the script that {name} "
                           "-c runs", HINT_LITERAL)  # fmt: skip
        return None
    if operand is not None:
        if operand.literal is None:
            return Finding(operand.node.start_byte, f"the script file that {name} runs is chosen "
                           "at run time, in a script with {{NAME}}", "name the script file literally")  # fmt: skip
        if not _stdin_path(operand.literal) and not reads_stdin:
            return None
    if fed:
        return Finding(at, f"{name} reads commands from its input, and the script feeds it while "
                       "it holds {{NAME}}", HINT_STDIN)  # fmt: skip
    return None


def _judge_interpreter(name: str, rest: list[Word], at: int, fed: bool) -> Finding | None:
    letters, program_operand = INTERPRETERS[name]
    has_code = has_file = False
    position = 0
    while position < len(rest):
        word = rest[position]
        text = word.literal
        if text is None:
            raw = (word.node.text or b"").decode(errors="replace")
            if raw.startswith(_CODE_LONG) or (
                raw[:1] == "-" and raw[1:2] in letters and raw[1:2] != ""
            ):
                return Finding(word.node.start_byte, f"{{{{NAME}}}} is inside the code that {name} "
                               "runs", HINT_LITERAL)  # fmt: skip
            if raw.startswith("-") or (
                position and (rest[position - 1].literal or "") in _OPTION_ARGUMENT
            ):
                position += 1  # an option's value (--port={{p}}), not code
                continue
            break  # an operand
        if text == "--":
            position += 1
            break
        if text.startswith(_CODE_LONG):
            has_code = True
            if "=" in text:
                position += 1
                continue
            found = _code_word(rest, position + 1, name)
            if found is not None:
                return found
            position += 2
            continue
        if text.startswith("-") and len(text) > 1 and not text.startswith("--"):
            bundle = text[1:]
            hit = next((i for i, c in enumerate(bundle) if c in letters), None)
            if name in ("sed", "gsed", "awk", "gawk", "mawk", "nawk") and bundle[:1] in ("e",):
                hit = 0
            if hit is not None:
                # -c CODE, -uc CODE, -pe CODE, or glued -c'CODE': whichever it is, the next
                # word may be code too, so it must be a literal as well.
                has_code = True
                found = _code_word(rest, position + 1, name)
                if found is not None:
                    return found
                position += 2
                continue
            if bundle[:1] == "f" and name in ("awk", "gawk", "mawk", "nawk", "sed", "gsed", "jq"):
                has_file = True
                target = rest[position + 1].literal if position + 1 < len(rest) else None
                if target is None or (fed and _stdin_path(target)):
                    return Finding(at, f"{name} reads its program from input or a name "
                                       "chosen at run time, in a script with {{NAME}}", HINT_STDIN)  # fmt: skip
                position += 2
                continue
            position += 2 if text in _OPTION_ARGUMENT else 1
            continue
        if text.startswith("--"):
            position += 2 if text in _OPTION_ARGUMENT else 1
            continue
        break
    if has_code and not program_operand:
        return None  # what follows the code is its arguments (sys.argv, @ARGV): data
    operand = rest[position] if position < len(rest) else None
    if name in ("sed", "gsed") and not has_code:
        # GNU sed takes options after its operands too: an -e anywhere holds code.
        for later in range(position, len(rest)):
            if rest[later].literal in ("-e", "--expression"):
                found = _code_word(rest, later + 1, name)
                if found is not None:
                    return found
                has_code = True
    if program_operand and not has_code and not has_file:
        if operand is None:
            return None
        if operand.literal is None:
            return Finding(operand.node.start_byte, f"{{{{NAME}}}} is inside the {name} program, "
                           f"which {name} runs as code" + (" (GNU sed's e command runs a shell)"
                           if "sed" in name else ""),
                           'read the value as data, e.g. awk \'{print ENVIRON["GOLIVE_VAR_NAME"]}\'')  # fmt: skip
        return None
    if name in ("sqlite3", "psql", "mysql", "mariadb") and operand is not None:
        # sqlite3 DB SQL...: every operand after the database is SQL or a dot command.
        for sql in rest[position + 1 :] if name == "sqlite3" else []:
            if sql.literal is None:
                return Finding(sql.node.start_byte, "{{NAME}} is inside SQL that sqlite3 runs "
                               "(its dot commands run a shell)", HINT_LITERAL)  # fmt: skip
    script = (
        operand is not None
        and not program_operand
        and name not in ("psql", "mysql", "mariadb", "sqlite3")
    )
    if script and operand is not None and operand.literal is None:
        return Finding(operand.node.start_byte, f"the script that {name} runs is chosen at run "
                       "time, in a script with {{NAME}}", "name the script file literally")  # fmt: skip
    if script and operand is not None and _stdin_path(operand.literal or ""):
        script = False
    if fed and not has_code and not script and not program_operand:
        return Finding(at, f"{name} reads its code from its input, and the script feeds it while "
                       "it holds {{NAME}}", HINT_STDIN)  # fmt: skip
    return None


def _code_word(rest: list[Word], position: int, name: str) -> Finding | None:
    if position >= len(rest):
        return None
    word = rest[position]
    if word.literal is None:
        what = "{{NAME}}" if word.has_probe else "an expanded word"
        return Finding(word.node.start_byte, f"{what} is inside the code that {name} runs",
                       HINT_LITERAL)  # fmt: skip
    return None


def consumer_reads_only_data(node: Node) -> bool:
    """A command (or loop, or group) that reads its input as data only."""
    commands = [node] if node.type == "command" else list(commands_in(node))
    if not commands and node.type not in ("command",):
        return node.type in ("file_redirect", "heredoc_redirect", "herestring_redirect")
    for command in commands:
        words = command_words(command)
        if not words or words[0].literal is None:
            return False
        name = program(words[0].literal)
        if name in ("awk", "gawk", "mawk", "nawk", "sed", "gsed", "jq"):
            if _judge_interpreter(name, words[1:], 0, True) is not None:
                return False
            if any((w.literal or "").startswith("-f") for w in words[1:]):
                return False
            continue
        if name not in DATA_CONSUMERS and name not in SAFE_BUILTINS:
            return False
    return True


def commands_in(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "command":
            yield current
        stack.extend(reversed(current.children))
