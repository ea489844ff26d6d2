"""Where each `{{name}}` stands in a shell script, decided by a real shell grammar.

A variable's value never becomes part of the script's text: it travels in an
environment variable, and the placeholder becomes a reference to it that is
valid where it stands (see templating.py). What is left to decide is *how* to
write that reference, and that depends on the placeholder's place in the
script: bare, inside double quotes, inside single quotes, or in the body of a
here-document. tree-sitter-bash parses the script; each placeholder is first
replaced by a probe, `${__golive_N__}`, and the node the probe becomes says
where it is.

Refused, with a hint, are the places where no reference can be proved safe:

- where the shell does not expand at all: a comment, a here-document with a
  quoted delimiter, `$'...'`, a backslash-escaped `\\{{x}}`;
- where the shell evaluates the text once more: backquotes, arithmetic
  (`$((..))`, `((..))`, `[[ .. ]]`, array subscripts: bash evaluates `a[$(cmd)]`
  in them), `${x:-{{y}}}`;
- where the grammar and the shell could read the script differently: a carriage
  return, a line continuation inside a word or a here-document, a here-document
  whose end line is not exactly its delimiter;
- data that reaches a program reading it as code, through its arguments, a pipe or
  a here-document, even by way of a variable (golive.core.shell_programs).

A script that does not parse refuses every placeholder it holds. Scripts
without placeholders are not analysed: there is nothing of ours to protect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from golive.core.shell_programs import (
    SPECIAL_VARIABLES,
    Finding,
    commands_in,
    consumer_reads_only_data,
    judge_command,
)

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
    offset: int  # character offset in the script of what is refused
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
_PROBE_BYTES = re.compile(rb"\$\{__golive_(\d+)__\}")


class _Probed:
    """The script with each placeholder replaced by its probe, and the way back from a
    byte of the probed text to a character of the script."""

    def __init__(self, script: str, matches: list[re.Match[str]]) -> None:
        pieces: list[bytes] = []
        self.spans: list[tuple[int, int]] = []
        self._map: list[tuple[int, int]] = []  # (byte in source, char in script) at each piece
        size = position = 0
        for index, match in enumerate(matches):
            before = script[position : match.start()]
            self._map.append((size, position))
            pieces.append(before.encode())
            size += len(pieces[-1])
            probe = b"${__golive_%d__}" % index
            self._map.append((size, match.start()))
            self.spans.append((size, size + len(probe)))
            pieces.append(probe)
            size += len(probe)
            position = match.end()
        self._map.append((size, position))
        pieces.append(script[position:].encode())
        self.source = b"".join(pieces)
        self.script = script

    def char(self, byte: int) -> int:
        """The script's character offset for a byte of the probed source."""
        start, char = 0, 0
        for mapped_byte, mapped_char in self._map:
            if mapped_byte > byte:
                break
            start, char = mapped_byte, mapped_char
        inside = self.source[start:byte].decode(errors="replace")
        if _PROBE_BYTES.match(self.source, start):
            return char  # inside a probe: its placeholder
        return char + len(inside)


@lru_cache(maxsize=4096)
def analyse(script: str) -> Analysis:
    """Every placeholder of `script` with its context, or why it is refused."""
    matches = list(PLACEHOLDER.finditer(script))
    if not matches:
        return Analysis((), ())
    probed = _Probed(script, matches)
    source = probed.source
    root = _PARSER.parse(source).root_node
    names = [m.group(1) for m in matches]
    refusals: list[Refusal] = []

    def refuse(at: int, message: str, hint: str, index: int | None = None) -> None:
        if index is None:
            index = _probe_at(probed, at)
        name = names[index]
        refusals.append(
            Refusal(
                name, probed.char(at), message.replace("NAME", name), hint.replace("NAME", name)
            )
        )

    if root.has_error:
        broken = _first_error(root)
        line = source.count(b"\n", 0, broken.start_byte) + 1
        for index, (start, _) in enumerate(probed.spans):
            refuse(start, "the script does not parse as shell "
                   f"(line {line} of the script), so golive cannot tell where {{{{NAME}}}} stands",
                   "fix the shell syntax; sh -n checks it", index)  # fmt: skip
        return Analysis((), tuple(refusals))
    for finding in _script_findings(root, source):
        refuse(finding.at, finding.message, finding.hint)
    placements: list[Placement] = []
    for index, match in enumerate(matches):
        start, end = probed.spans[index]
        node = root.descendant_for_byte_range(start, end)
        verdict = _judge(node, index, source) if node is not None else ("not found", "")
        if isinstance(verdict, tuple):
            refuse(start, verdict[0], verdict[1], index)
        else:
            placements.append(Placement(names[index], match.start(), match.end(), verdict))
    if refusals:
        unique = list({(r.offset, r.message): r for r in refusals}.values())
        return Analysis(tuple(placements), tuple(sorted(unique, key=lambda r: r.offset)))
    return Analysis(tuple(placements), ())


def _probe_at(probed: _Probed, at: int) -> int:
    """The placeholder a finding at byte `at` is about: the first one at or after it on
    the same command, else the script's first."""
    for index, (start, _) in enumerate(probed.spans):
        if start >= at:
            return index
    return 0


def _first_error(node: Node) -> Node:
    for child in node.children:
        if child.is_error or child.is_missing:
            return child
        if child.has_error:
            return _first_error(child)
    return node


# -- the script as a whole ----------------------------------------------------------------


def _script_findings(root: Node, source: bytes) -> list[Finding]:
    """What makes a script with placeholders unsafe wherever its placeholders stand."""
    found: list[Finding] = []
    carriage = source.find(b"\r")
    if carriage >= 0:
        found.append(Finding(carriage, "the script holds a carriage return, which shells and "
                             "golive's grammar read differently, and it holds {{NAME}}",
                             "save the runbook with plain line ends (LF)"))  # fmt: skip
    found += _continuations(root, source)
    found += _heredoc_ends(root, source)
    feeds_all = any(_redirects_own_stdin(c) for c in commands_in(root))
    for command in commands_in(root):
        fed = feeds_all or _stdin_is_fed(command)
        found.extend(judge_command(command, fed))
    for node in _nodes(root, "variable_assignment"):
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        variable = (name.text or b"").decode(errors="replace") if name is not None else ""
        if variable in SPECIAL_VARIABLES and value is not None and _expands(value):
            found.append(Finding(node.start_byte, f"{variable} is set from a value or an expansion "
                                 "in a script with {{NAME}}, and the shell or a program evaluates it",
                                 f"set {variable} to a literal"))  # fmt: skip
    return found


def _nodes(root: Node, kind: str) -> list[Node]:
    out: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == kind:
            out.append(node)
        stack.extend(node.children)
    return out


def _expands(node: Node) -> bool:
    if node.type in ("expansion", "simple_expansion", "command_substitution",
                     "arithmetic_expansion", "process_substitution"):  # fmt: skip
        return True
    return any(_expands(child) for child in node.children)


def _continuations(root: Node, source: bytes) -> list[Finding]:
    """A backslash-newline joins lines before the shell reads words; the grammar does not
    always see it, so one may only stand after a blank, between words."""
    found: list[Finding] = []
    for match in re.finditer(rb"\\\n", source):
        at = match.start()
        node = root.descendant_for_byte_range(at, at + 1)
        if node is not None and node.type in ("raw_string", "comment"):
            continue
        if node is not None and node.type == "heredoc_body" and _quoted_heredoc(node):
            continue
        blank_before = at > 0 and source[at - 1 : at] in (b" ", b"\t")
        if node is not None and node.type == "heredoc_body":
            blank_before = False  # an unquoted here-document joins its lines too
        if not blank_before:
            found.append(Finding(at, "a line continuation (backslash at the end of a line) "
                                 "inside a word or a here-document, in a script with {{NAME}}",
                                 "break long lines between words, after a blank"))  # fmt: skip
    return found


def _quoted_heredoc(body: Node) -> bool:
    redirect = body.parent
    start = (
        None
        if redirect is None
        else next((c for c in redirect.children if c.type == "heredoc_start"), None)
    )
    delimiter = (start.text or b"") if start is not None else b""
    return any(q in delimiter for q in (b"'", b'"', b"\\"))


def _heredoc_ends(root: Node, source: bytes) -> list[Finding]:
    """Each here-document must end on a line that is exactly its delimiter (after tabs,
    with <<-), and no earlier line of its body may be one: shells agree on that."""
    found: list[Finding] = []
    for redirect in _nodes(root, "heredoc_redirect"):
        start = next((c for c in redirect.children if c.type == "heredoc_start"), None)
        end = next((c for c in redirect.children if c.type == "heredoc_end"), None)
        body = next((c for c in redirect.children if c.type == "heredoc_body"), None)
        if start is None:
            continue
        strip_tabs = any(c.type == "<<-" for c in redirect.children)
        delimiter = re.sub(rb"""['"\\]""", b"", start.text or b"")
        problem = end is None
        if end is not None:
            line_start = source.rfind(b"\n", 0, end.start_byte) + 1
            line_end = source.find(b"\n", end.start_byte)
            line = source[line_start : line_end if line_end >= 0 else len(source)]
            problem = (line.lstrip(b"\t") if strip_tabs else line) != delimiter
        if body is not None and not problem:
            text = source[body.start_byte : body.end_byte]
            for row in text.split(b"\n"):
                if (row.lstrip(b"\t") if strip_tabs else row) == delimiter:
                    problem = True
        if problem:
            found.append(Finding(redirect.start_byte, "a here-document whose end shells could "
                                 "find elsewhere than golive's grammar (blanks or tabs around "
                                 "its delimiter), in a script with {{NAME}}",
                                 "end it on a line that is exactly the delimiter"))  # fmt: skip
    return found


def _redirects_own_stdin(command: Node) -> bool:
    """`exec <file` (or `exec 0<<EOF`) gives the whole script new input: anything that
    reads stdin afterwards is fed."""
    words = command.children
    name = next((c for c in words if c.type == "command_name"), None)
    if name is None or (name.text or b"") != b"exec":
        return False
    parent = command.parent
    redirects = [c for c in (parent.children if parent is not None else []) if "redirect" in c.type]
    return any(_feeds(redirect) for redirect in redirects)


def _stdin_is_fed(command: Node) -> bool:
    """Could this command's input carry a value? From a pipe before it, a here-document
    or here-string that expands anything, another descriptor (<&3), or a file named at
    run time; so could anything inside a function (a caller may feed it). A literal
    here-document (<<'SQL', or one with no $ or backquote) and a literal file are fixed
    text: they feed nothing of ours."""
    child, node = command, command.parent
    while node is not None:
        if node.type == "pipeline":
            index = node.children.index(child)
            if any(c.type not in ("|", "|&") for c in node.children[:index]):
                return True
        if node.type == "heredoc_redirect" and child.type == "pipeline":
            return True  # cat <<EOF | sh: cat's output, whatever the body
        if node.type in ("redirected_statement", "command"):
            for redirect in node.children:
                if redirect is not child and "redirect" in redirect.type and _feeds(redirect):
                    return True
        if node.type == "function_definition":
            return True
        child, node = node, node.parent
    return False


def _feeds(redirect: Node) -> bool:
    """Does this redirection give the command's stdin text that may hold a value?"""
    descriptor = next((c for c in redirect.children if c.type == "file_descriptor"), None)
    if descriptor is not None and (descriptor.text or b"") != b"0":
        return False
    kinds = {c.type for c in redirect.children}
    if redirect.type == "heredoc_redirect":
        body = next((c for c in redirect.children if c.type == "heredoc_body"), None)
        if body is None or _quoted_heredoc(body):
            return False
        return any(mark in (body.text or b"") for mark in (b"$", b"`"))
    if redirect.type == "herestring_redirect":
        return _expands(redirect) or b"__golive_" in (redirect.text or b"")
    if kinds & {"<&", "<>"}:
        return True
    if "<" in kinds:
        target = redirect.child_by_field_name("destination")
        return target is None or _expands(target)
    return False


# -- one placeholder ------------------------------------------------------------------------


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
    if _quoted_heredoc(body):
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
    rest = _PROBE_BYTES.sub(b"", text)
    if any(mark in rest for mark in (b"$(", b"`", b"${", b"$[")):
        return (
            "{{NAME}} is in a here-document that also holds $( ), backquotes or ${ }, "
            "which golive cannot follow",
            "compute those into variables before the here-document: d=$(date), then $d",
        )
    return _walk_up(body, index, source) or HEREDOC


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
    else:
        return (
            "golive cannot tell how the shell reads {{NAME}} here (escaped, or glued to a $ or {)",
            "put it in its own word or inside double quotes",
        )
    refusal = _walk_up(node, index, source)
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
        if kind == "array" and b"[" in (child.text or b"").split(b"$", 1)[0]:
            return (
                "{{NAME}} is in an array subscript ([...]=), which bash evaluates as arithmetic",
                "use a literal index",
            )
        if kind == "unset_command":
            return ("{{NAME}} is a variable name for unset", "name the variable in the runbook")
        if kind == "declaration_command":
            refusal = _declaration(current, child)
            if refusal:
                return refusal
        if kind == "function_definition" and child.type == "word":
            return ("{{NAME}} names a function", "name the function in the runbook")
        if kind == "for_statement" and child.type == "variable_name":
            return ("{{NAME}} names a loop variable", "name the variable in the runbook")
        if kind == "pipeline":
            later = current.children[current.children.index(child) + 1 :]
            stages = [c for c in later if c.type not in ("|", "|&")]
            if any(not consumer_reads_only_data(stage) for stage in stages):
                return (
                    "{{NAME}} is piped into a program golive does not know to read its input "
                    "as data only (a shell or interpreter would run it)",
                    "pipe it only into programs such as cat, tee, grep, sort or a while read loop",
                )
        if kind in ("heredoc_redirect", "herestring_redirect"):
            refusal = _fed(current)
            if refusal:
                return refusal
        child, current = current, current.parent
    return None


def _fed(redirect: Node) -> tuple[str, str] | None:
    """A here-document or here-string: what it feeds must read its input as data only."""
    statement = redirect.parent
    targets: list[Node] = []
    if statement is not None and statement.type == "command":
        targets.append(statement)
    elif statement is not None:
        body = statement.child_by_field_name("body")
        if body is not None:
            targets.append(body)
    targets += [c for c in redirect.children if c.type == "pipeline"]  # cat <<EOF | sh
    descriptor = next((c for c in redirect.children if c.type == "file_descriptor"), None)
    if descriptor is not None and (descriptor.text or b"") != b"0":
        return (
            "{{NAME}} is in a here-document on another file descriptor, which golive cannot follow",
            "feed the here-document to the program's standard input",
        )
    for target in targets:
        if not consumer_reads_only_data(target):
            return (
                "{{NAME}} is in input fed to a program golive does not know to read it as data "
                "only (a shell, an interpreter or a database client would run it)",
                "feed it to cat, tee, grep or a while read loop, or pass the value as an argument",
            )
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
