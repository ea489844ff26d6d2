"""Where each `{{name}}` stands in a shell script, decided by a real shell grammar.

A variable's value never becomes part of the script's text: it travels in an
environment variable, and the placeholder becomes a reference to it that is
valid where it stands (see templating.py). What is left to decide is *how* to
write that reference, and that depends on the placeholder's place in the
script: bare, inside double quotes, inside single quotes, or in the body of a
here-document. tree-sitter-bash parses the script; each placeholder is first
replaced by a probe, `${__golive_N__}`, and the node the probe becomes says
where it is.

Places where no reference can be proved safe are refused, with a hint:

- where the shell does not expand at all: a comment, a here-document with a
  quoted delimiter, `$'...'`, a backslash-escaped `\\{{x}}`;
- where the shell evaluates the text once more: backquotes (their body is
  unquoted a second time), arithmetic (`$((..))`, `((..))`, `[[ .. ]]`, array
  subscripts: bash evaluates `a[$(cmd)]` inside them), `${x:-{{y}}}`;
- arguments that another program runs as code or reads as variable names:
  `eval`, `trap`, `sh -c`, `ssh`, `su`, `source`, `python -c`, `awk`, `sed`,
  `read`, `declare -i`, `test -v` and their kin, also behind `sudo`, `env`,
  `timeout` and other wrappers, and data piped or fed as a here-document into
  a shell.

A script that does not parse refuses every placeholder it holds. Scripts
without placeholders are not analysed: there is nothing of ours to protect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

WORD = "word"  # an unquoted word, or a part of one
DOUBLE = "double"  # inside "..."
SINGLE = "single"  # inside '...'
HEREDOC = "heredoc"  # in the body of a here-document whose delimiter is unquoted


@dataclass(frozen=True)
class Placement:
    """One placeholder of a script and the context it stands in."""

    name: str
    start: int  # character offsets in the script, of the whole {{ name }}
    end: int
    context: str  # WORD, DOUBLE, SINGLE or HEREDOC


@dataclass(frozen=True)
class Refusal:
    """A placeholder golive will not fill, said for `golive check`."""

    name: str
    offset: int  # character offset of the placeholder in the script
    message: str
    hint: str


@dataclass(frozen=True)
class Analysis:
    placements: tuple[Placement, ...]
    refusals: tuple[Refusal, ...]

    @property
    def safe(self) -> bool:
        return not self.refusals


_PARSER = Parser(Language(tree_sitter_bash.language()))

# Programs that read an argument as shell code (sh -c STRING), or their operand as a script.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "fish",
                    "csh", "tcsh"})  # fmt: skip
# Programs whose arguments are code: run here, on another host, or later.
CODE_RUNNERS = frozenset({"eval", "trap", "alias", "let", "ssh", "su", "runuser", "watch",
                          "script", "parallel", "at", "batch", "tmux", "screen", "expect",
                          "source", "."})  # fmt: skip
# Builtins whose arguments are variable names (bash evaluates a[$(cmd)] in a name).
NAME_TAKERS = frozenset({"unset", "read", "mapfile", "readarray", "getopts", "export",
                         "readonly", "declare", "typeset", "local", "wait"})  # fmt: skip
# Interpreters whose option takes a program in another language.
CODE_OPTIONS = {
    "python": ("-c",), "python3": ("-c",), "python2": ("-c",), "perl": ("-e", "-E"),
    "ruby": ("-e",), "node": ("-e", "--eval", "-p", "--print"), "php": ("-r",),
    "lua": ("-e",), "Rscript": ("-e",), "osascript": ("-e",), "flock": ("-c", "--command"),
    "psql": ("-c", "--command"), "mysql": ("-e", "--execute"),
}  # fmt: skip
# Programs whose first operand is a program (unless -e or -f gives it).
PROGRAM_OPERAND = frozenset({"awk", "gawk", "mawk", "nawk", "busybox-awk", "sed", "gsed", "jq"})
# Commands that run the rest of their words as another command.
WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "timeout", "nice", "ionice", "chrt",
                      "stdbuf", "setsid", "exec", "command", "builtin", "time", "xargs",
                      "find", "chroot", "unshare", "nsenter", "systemd-run", "taskset",
                      "numactl", "strace", "ltrace", "busybox"})  # fmt: skip
EVALUATORS = SHELLS | CODE_RUNNERS | NAME_TAKERS | frozenset(CODE_OPTIONS) | PROGRAM_OPERAND

_HINT_ARGUMENT = (
    "pass the value as an argument of a script instead, as in sh -c 'echo \"$1\"' sh {{NAME}}, "
    "or read $GOLIVE_VAR_NAME inside it"
)


def _refuse(name: str, offset: int, message: str, hint: str) -> Refusal:
    return Refusal(name, offset, message.replace("NAME", name), hint.replace("NAME", name))


@lru_cache(maxsize=4096)
def analyse(script: str) -> Analysis:
    """Every placeholder of `script` with its context, or why it is refused."""
    matches = list(PLACEHOLDER.finditer(script))
    if not matches:
        return Analysis((), ())
    # The script with each placeholder replaced by its probe, and where each probe is.
    pieces: list[bytes] = []
    spans: list[tuple[int, int]] = []
    size = 0
    position = 0
    for index, match in enumerate(matches):
        before = script[position : match.start()].encode()
        probe = b"${__golive_%d__}" % index
        pieces.append(before)
        size += len(before)
        spans.append((size, size + len(probe)))
        pieces.append(probe)
        size += len(probe)
        position = match.end()
    pieces.append(script[position:].encode())
    source = b"".join(pieces)
    root = _PARSER.parse(source).root_node
    placements: list[Placement] = []
    refusals: list[Refusal] = []
    broken = _first_error(root) if root.has_error else None
    for index, match in enumerate(matches):
        name = match.group(1)
        if broken is not None:
            line = source.count(b"\n", 0, broken.start_byte) + 1
            refusals.append(
                _refuse(
                    name,
                    match.start(),
                    "the script does not parse as shell "
                    f"(line {line} of the script), so golive cannot tell where {{{{NAME}}}} stands",
                    "fix the shell syntax; sh -n checks it",
                )
            )
            continue
        start, end = spans[index]
        node = root.descendant_for_byte_range(start, end)
        verdict = _judge(node, index, source) if node is not None else "not found"
        if isinstance(verdict, tuple):
            message, hint = verdict
            refusals.append(_refuse(name, match.start(), message, hint))
        else:
            placements.append(Placement(name, match.start(), match.end(), verdict))
    return Analysis(tuple(placements), tuple(refusals))


def _heredoc_body(node: Node) -> Node | None:
    current: Node | None = node
    while current is not None:
        if current.type == "heredoc_body":
            return current
        current = current.parent
    return None


def _heredoc(body: Node, index: int, source: bytes) -> str | tuple[str, str]:
    """A placeholder in a here-document body. tree-sitter-bash does not parse these bodies
    reliably (an escaped \\$ read as an expansion, expansions after leading blanks missed),
    so the body's own text decides: the delimiter must be unquoted, the probe unescaped,
    and the body free of $( ` and ${ (whose insides golive would have to parse)."""
    redirect = body.parent
    start = (
        None
        if redirect is None
        else next((c for c in redirect.children if c.type == "heredoc_start"), None)
    )
    delimiter = (start.text or b"'") if start is not None else b"'"
    if any(q in delimiter for q in (b"'", b'"', b"\\")):
        return (
            "{{NAME}} is in a here-document whose delimiter is quoted, so the shell never expands it",
            "write the delimiter unquoted (<<EOF), or pass the value another way",
        )
    text = source[body.start_byte : body.end_byte]
    probe = b"${__golive_%d__}" % index
    at = text.find(probe)
    before = text[:at]
    if at < 0 or (len(before) - len(before.rstrip(b"\\"))) % 2:
        return (
            "{{NAME}} is escaped in the here-document, so the shell never expands it",
            "remove the backslash before {{NAME}}",
        )
    rest = _PROBE_TEXT_BYTES.sub(b"", text)
    if any(mark in rest for mark in (b"$(", b"`", b"${")):
        return (
            "{{NAME}} is in a here-document that also holds $( ), backquotes or ${ }, "
            "which golive cannot follow",
            "compute those into variables before the here-document: d=$(date), then $d",
        )
    return _walk_up(body, index, source) or HEREDOC


def _first_error(node: Node) -> Node:
    for child in node.children:
        if child.is_error or child.is_missing:
            return child
        if child.has_error:
            return _first_error(child)
    return node


def _is_probe(node: Node, index: int) -> bool:
    if node.type != "expansion" or node.child_count != 3:
        return False
    name = node.children[1]
    return name.type == "variable_name" and name.text == b"__golive_%d__" % index


def _judge(node: Node, index: int, source: bytes) -> str | tuple[str, str]:
    """The context of probe `index` at `node`, or (message, hint) refusing it."""
    if node.type == "variable_name" and node.parent is not None:
        node = node.parent
    if node.type == "comment":
        return (
            "{{NAME}} is in a comment, where no value belongs",
            "move it out of the comment, or write the name without braces",
        )
    body = _heredoc_body(node)
    if body is not None:
        return _heredoc(body, index, source)
    if node.type == "ansi_c_string":
        return (
            "{{NAME}} is inside $'...', which golive cannot quote a value into",
            "use '...' or \"...\" around {{NAME}}",
        )
    if node.type == "raw_string":
        context = SINGLE
        start = node
    elif _is_probe(node, index):
        parent = node.parent
        assert parent is not None
        if parent.type == "string":
            before = parent.prev_sibling
            if before is not None and before.type == "$" and before.end_byte == parent.start_byte:
                return (
                    '{{NAME}} is inside $"...", a bash translation string',
                    'use "..." without the $',
                )
            context = DOUBLE
        elif parent.type in ("expansion", "subscript"):
            return (
                "{{NAME}} is inside ${...}, where bash may evaluate it as arithmetic or a pattern",
                "assign it first: v={{NAME}}, then use ${v...}",
            )
        else:
            context = WORD
        start = node
    else:
        return (
            "golive cannot tell how the shell reads {{NAME}} here (escaped, or glued to a $ or {)",
            "put it in its own word or inside double quotes",
        )
    refusal = _walk_up(start, index, source)
    return refusal if refusal is not None else context


def _walk_up(node: Node, index: int, source: bytes) -> tuple[str, str] | None:
    """Refuse the placeholder if anything around it reads the text once more."""
    child = node
    current = node.parent
    while current is not None:
        kind = current.type
        if kind in ("arithmetic_expansion", "c_style_for_statement", "subscript"):
            return (
                "{{NAME}} is inside arithmetic, which bash evaluates (a[$(cmd)] runs cmd)",
                "check the value first, e.g. case {{NAME}} in *[!0-9]*) exit 1;; esac",
            )
        if kind == "compound_statement" and current.children[0].type == "((":
            return (
                "{{NAME}} is inside (( )), which bash evaluates as arithmetic",
                "use [ ... -lt ... ] (the test command reads numbers only)",
            )
        if kind == "test_command" and current.children[0].type == "[[":
            return (
                "{{NAME}} is inside [[ ]], where bash evaluates -eq/-lt operands as arithmetic",
                'use [ ... ] (POSIX test) with "{{NAME}}"',
            )
        if kind == "unary_expression" and current.children[0].text in (b"-v", b"-R"):
            return ("{{NAME}} is a variable name for test -v", "compare its value instead")
        if kind == "command_substitution" and current.children[0].type == "`":
            return (
                "{{NAME}} is inside backquotes, whose body the shell unquotes a second time",
                "use $( ... ) instead of backquotes",
            )
        if kind == "expansion":
            return (
                "{{NAME}} is inside ${...}, where bash may evaluate it as arithmetic or a pattern",
                "assign it first: v={{NAME}}, then use ${v...}",
            )
        if kind == "unset_command":
            return ("{{NAME}} is a variable name for unset", "name the variable in the runbook")
        if kind == "declaration_command":
            refusal = _declaration(current, child)
            if refusal:
                return refusal
        if kind == "function_definition" and child.type == "word":
            return ("{{NAME}} names a function", "name the function in the runbook")
        if kind == "command":
            refusal = _command(current, child)
            if refusal:
                return refusal
        if kind in ("heredoc_redirect", "herestring_redirect") or kind == "pipeline":
            refusal = _fed_to_a_shell(current, child)
            if refusal:
                return refusal
        child, current = current, current.parent
    return None


def _words(command: Node) -> list[tuple[Node, str]]:
    """The command's name and arguments, each with its literal text ("" if it has none)."""
    words: list[tuple[Node, str]] = []
    for position, part in enumerate(command.children):
        if part.type == "command_name":
            inner = part.children[0] if part.children else part
            words.append((part, _literal(inner)))
        elif command.field_name_for_child(position) == "argument":
            words.append((part, _literal(part)))
    return words


def _literal(node: Node) -> str:
    """A word's text with plain quoting removed; "" when it is not a plain literal."""
    text = node.text.decode(errors="replace") if node.text else ""
    if node.type in ("word", "number"):
        return text
    if node.type == "raw_string":
        return text[1:-1]
    if node.type == "string" and all(c.type in ('"', "string_content") for c in node.children):
        return text[1:-1]
    return ""


def _program(words: list[tuple[Node, str]], index: int) -> str:
    return words[index][1].rsplit("/", 1)[-1]


def _behind_wrappers(words: list[tuple[Node, str]], first: int, limit: int) -> int:
    """The index of the program that really runs: sudo -u pg sh -c ..., timeout 10 bash ...
    Any evaluator named among a wrapper's words counts (an option's value named `sh`
    only makes golive stricter)."""
    if _program(words, first) not in WRAPPERS:
        return first
    begin = first + 1
    if _program(words, first) == "find":
        # find's own operands are paths and tests; only -exec and its kin run a command.
        execs = [
            i for i in range(begin, limit) if words[i][1] in ("-exec", "-execdir", "-ok", "-okdir")
        ]
        if not execs:
            return first
        begin = execs[0] + 1
    for later in range(begin, limit):
        if _program(words, later) in EVALUATORS:
            return _behind_wrappers(words, later, limit)
    return first


def _command(command: Node, child: Node) -> tuple[str, str] | None:
    """Refuse the placeholder in `child` if this command runs it as code or reads it as a name."""
    words = _words(command)
    position = next((i for i, (node, _) in enumerate(words) if node == child), None)
    if position is None:
        return None  # an assignment or a redirection of this command: plain data
    if position == 0:
        # {{x}}/tool is a path; a value that is the whole name chooses what runs the rest.
        rest = (child.text or b"").decode(errors="replace")
        if not _PROBE_TEXT.sub("", rest).strip("\"'"):
            return (
                "{{NAME}} is the whole program name, so its value would choose what runs",
                "name the program in the runbook; a variable may give its folder: {{NAME}}/tool",
            )
        return None
    first = _behind_wrappers(words, 0, position)
    program = _program(words, first)
    if program in CODE_RUNNERS:
        return (f"{{{{NAME}}}} is an argument of {program}, which runs it as code", _HINT_ARGUMENT)
    if program in NAME_TAKERS:
        return (
            f"{{{{NAME}}}} is an argument of {program}, which reads it as a variable name",
            "name the variable in the runbook and assign the value: v={{NAME}}",
        )
    if program in SHELLS:
        script = _shell_script(words, first)
        if script == position or (script is None and not _has_operand(words, first, position)):
            return (f"{{{{NAME}}}} is inside the script that {program} runs", _HINT_ARGUMENT)
        return None
    if program in CODE_OPTIONS:
        if _option_value(words, first, CODE_OPTIONS[program]) == position:
            return (
                f"{{{{NAME}}}} is inside the program that {program} runs",
                f"pass the value as data: an argument of the {program} program, or the environment",
            )
        return None
    if program in PROGRAM_OPERAND:
        if _program_operand(words, first) == position:
            return (
                f"{{{{NAME}}}} is inside the {program} program, which {program} runs as code"
                + (" (GNU sed's e command runs a shell)" if "sed" in program else ""),
                "read the value as data instead, e.g. awk '{print ENVIRON[\"GOLIVE_VAR_NAME\"]}'",
            )
        return None
    if program in ("test", "[") and _has_option(words, first, position, "-v", "-R"):
        return ("{{NAME}} is a variable name for test -v", "compare its value instead")
    if program == "printf" and _has_option(words, first, position, "-v"):
        return ("{{NAME}} is an argument of printf -v, which takes a variable name",
                "assign with v=$(printf ...)")  # fmt: skip
    return None


_PROBE_TEXT = re.compile(r"\$\{__golive_\d+__\}")
_PROBE_TEXT_BYTES = re.compile(rb"\$\{__golive_\d+__\}")


def _has_option(words: list[tuple[Node, str]], first: int, before: int, *options: str) -> bool:
    return any(words[i][1] in options for i in range(first + 1, before))


def _has_operand(words: list[tuple[Node, str]], first: int, before: int) -> bool:
    """A shell given a script file (sh deploy.sh ARGS) runs that file, not its arguments."""
    return any(not w.startswith("-") or w == "-" for _, w in words[first + 1 : before])


def _shell_script(words: list[tuple[Node, str]], first: int) -> int | None:
    """Index of the string a shell runs with -c (also in a bundle such as -ec): the
    first operand after the options. None without -c."""
    with_c = False
    for i in range(first + 1, len(words)):
        word = words[i][1]
        if word == "--" and with_c:
            return i + 1 if i + 1 < len(words) else None
        if word.startswith("-") and len(word) > 1 and not word.startswith("--"):
            with_c = with_c or "c" in word[1:]
            continue
        if word.startswith("--") or word.startswith("+"):
            continue
        return i if with_c else None
    return None


def _option_value(
    words: list[tuple[Node, str]], first: int, options: tuple[str, ...]
) -> int | None:
    """Index of the word an option such as python's -c takes."""
    for i in range(first + 1, len(words)):
        word = words[i][1]
        if word in options:
            return i + 1
        if word == "--":
            return None
    return None


def _program_operand(words: list[tuple[Node, str]], first: int) -> int | None:
    """awk PROGRAM FILE..., sed SCRIPT FILE...: the program's index; with -e EXPR the
    program is that word, and with -f FILE there is none among the words."""
    takes_value = ("-f", "--file", "-v", "-F", "--arg", "--argjson", "-i", "-L")
    i = first + 1
    while i < len(words):
        word = words[i][1]
        if word in ("-e", "--expression", "--source"):
            return i + 1
        if word in ("-f", "--file", "--from-file"):
            return None
        if word in takes_value and word not in ("-i",):
            i += 3 if word in ("--arg", "--argjson") else 2
            continue
        if word.startswith("-") and word != "-":
            i += 1
            continue
        return i
    return None


def _declaration(declaration: Node, child: Node) -> tuple[str, str] | None:
    """export V={{x}} is a value; declare -i V={{x}} is arithmetic; export {{x}} is a name."""
    if child.type != "variable_assignment":
        return (
            "{{NAME}} is a variable name here",
            "name the variable in the runbook and assign the value: v={{NAME}}",
        )
    for part in declaration.children:
        text = (part.text or b"").decode(errors="replace")
        if part.type == "word" and text.startswith("-") and set(text[1:]) & set("inaA"):
            return (
                f"{{{{NAME}}}} is assigned with {text}, which bash evaluates as arithmetic or a name",
                "assign without the option, then declare the variable",
            )
    return None


def _fed_to_a_shell(node: Node, child: Node) -> tuple[str, str] | None:
    """Data that reaches a shell's stdin is code: `... | sh`, `sh <<EOF`, `bash <<< ...`."""
    if node.type == "pipeline":
        later = node.children[node.children.index(child) + 1 :]
        if any(_reads_code_on_stdin(part) for part in later):
            return (
                "{{NAME}} is piped into a program that runs its input as code",
                "run the commands in the step itself, and pass the value as an argument",
            )
        return None
    # The command a here-document or here-string feeds, and any pipe after it (cat <<EOF | sh).
    statement = node.parent
    fed: list[Node] = []
    if statement is not None and statement.type == "command":
        fed.append(statement)
    elif statement is not None:
        body = statement.child_by_field_name("body")
        if body is not None:
            fed.append(body)
    fed += [c for c in node.children if c.type == "pipeline"]
    if any(_reads_code_on_stdin(target) for target in fed):
        return (
            "{{NAME}} is in input fed to a program that runs it as code",
            "run the commands in the step itself, and pass the value as an argument",
        )
    return None


STDIN_CODE = CODE_RUNNERS | frozenset({"python", "python3", "perl", "ruby", "node", "php"})


def _reads_code_on_stdin(node: Node) -> bool:
    for command in [node] if node.type == "command" else _commands_in(node):
        words = _words(command)
        if not words:
            continue
        first = _behind_wrappers(words, 0, len(words))
        program = _program(words, first)
        if program in SHELLS:
            script = _shell_script(words, first)
            if script is None and not _has_operand(words, first, len(words)):
                return True
            if _has_option(words, first, len(words), "-s"):
                return True
        elif program in STDIN_CODE or (
            program == "sudo" and _has_option(words, first, len(words), "-s", "-i")
        ):
            return True
        if first > 0 and _program(words, 0) == "xargs":
            return True  # xargs -I{} sh -c 'echo {}': its input becomes a shell script
    return False


def _commands_in(node: Node) -> list[Node]:
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "command":
            found.append(current)
        else:
            stack.extend(current.children)
    return found
