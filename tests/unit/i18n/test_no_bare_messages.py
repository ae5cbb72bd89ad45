"""No user-facing text in conda_tuna/ escapes translation.

An AST pass over every module finds the places where conda-tuna speaks to a user and fails
on each that is given English directly: a str literal, an f-string, ``"..." % x``,
``"...".format(...)`` or a concatenation involving one, instead of ``_("...")`` (or a name
bound to ``N_("...")``). The places:

* ``print(...)``, ``sys.stdout.write``/``sys.stderr.write``, ``input(...)``;
* conda-tuna's own error classes (every class defined in conda_tuna/ that derives from an
  exception) and ``CondaError``: their message argument;
* ``.warning/.warn/.error/.info/.critical/.exception`` calls (loggers, argparse's
  ``parser.error``);
* ``confirm``-style prompts (``confirm``, ``confirm_yn``, ``prompt``, ``ask``);
* ``help=``, ``description=``, ``epilog=``, ``summary=`` keywords (argparse, conda's plugin
  types) and assignments to such attributes (``parser.epilog = ...``), including
  module-level constants they name.

It also fails on ``_()`` given an f-string, ``%`` or ``.format`` (the text looked up would
never be in the catalog: format *after* translating).

A literal with no word in it (``""``, ``"\\n"``, ``"  - "``, an f-string whose fixed parts
are only punctuation and spaces) is layout, not a message. Deliberate exceptions go in
ALLOWED with a reason each. The failure lists every finding as ``file:line: where: text``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "conda_tuna"
SKIP = {"_version.py"}
#: (module path relative to conda_tuna/, the start of the text as the report prints it) ->
#: why this English is right where it is
ALLOWED: dict[tuple[str, str], str] = {
}
LOGGER_METHODS = frozenset({"warning", "warn", "error", "info", "critical", "exception"})
PROMPTS = frozenset({"confirm", "confirm_yn", "prompt", "ask", "input"})
TEXT_KEYWORDS = frozenset({"help", "description", "epilog", "summary"})
PROMPT_KEYWORDS = frozenset({"message", "prompt", "question"})
TRANSLATORS = frozenset({"_", "N_", "ngettext", "gettext"})
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    where: str
    text: str

    def __str__(self) -> str:
        return f"conda_tuna/{self.path}:{self.line}: {self.where}: {self.text}"


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in SKIP)


def own_error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Exception classes defined in conda_tuna/ (by name), plus conda's CondaError."""
    known = {"Exception", "BaseException", "CondaError"}
    classes = [node for tree in trees.values() for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef)]
    changed = True
    while changed:
        changed = False
        for node in classes:
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                     for b in node.bases}
            if node.name not in known and (bases & known or any(
                    b.endswith(("Error", "Exception")) for b in bases)):
                known.add(node.name)
                changed = True
    return (known - {"Exception", "BaseException"}) | {"CondaError"}


def has_words(text: str) -> bool:
    return bool(_WORD.search(text))


def bare(node: ast.AST | None) -> bool:
    """Is this expression English handed over untranslated?"""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and has_words(node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and has_words(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return bare(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return bare(node.left) or bare(node.right)
    if isinstance(node, ast.IfExp):
        return bare(node.body) or bare(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "format":
            return bare(node.func.value)
        if node.func.attr == "join" and node.args \
                and isinstance(node.args[0], (ast.List, ast.Tuple)):
            return any(bare(e) for e in node.args[0].elts)
    return False


def call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def receiver(node: ast.Call) -> str:
    func = node.func
    return ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""


def module_constants(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level NAME = value assignments (what a help= keyword may name)."""
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.value is not None:
            found[node.target.id] = node.value
    return found


def short(node: ast.AST) -> str:
    text = ast.unparse(node).replace("\n", "\\n")
    return text if len(text) <= 100 else text[:97] + "..."


def findings_in(path: str, tree: ast.Module, errors: set[str]) -> list[Finding]:
    constants = module_constants(tree)
    found: list[Finding] = []

    def report(node: ast.AST, where: str, value: ast.AST) -> None:
        if isinstance(value, ast.Name) and value.id in constants:
            target = constants[value.id]
            if bare(target):
                found.append(Finding(path, target.lineno, f"{where} via {value.id}",
                                     short(target)))
        elif bare(value):
            found.append(Finding(path, node.lineno, where, short(value)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):  # parser.epilog = ..., group.description = ...
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in TEXT_KEYWORDS:
                    report(node, f"{short(target)} =", node.value)
            continue
        if not isinstance(node, ast.Call):
            continue
        name, owner = call_name(node), receiver(node)
        first = node.args[0] if node.args else None
        if name in TRANSLATORS and first is not None and isinstance(node.func, ast.Name):
            if isinstance(first, ast.JoinedStr) or (
                    isinstance(first, ast.BinOp) and isinstance(first.op, (ast.Mod, ast.Add))
                    and bare(first)) or (
                    isinstance(first, ast.Call) and call_name(first) == "format"):
                found.append(Finding(path, node.lineno, f"{name}() of a formatted string",
                                     short(first)))
            continue
        if name == "print" and isinstance(node.func, ast.Name):
            for arg in node.args:
                report(node, "print()", arg)
        elif name == "write" and owner in ("sys.stdout", "sys.stderr"):
            report(node, f"{owner}.write()", first)
        elif name in errors:
            report(node, f"{name}()", first)
            for kw in node.keywords:
                if kw.arg in ("message", "msg"):
                    report(node, f"{name}({kw.arg}=)", kw.value)
        elif name in LOGGER_METHODS and isinstance(node.func, ast.Attribute):
            report(node, f"{owner}.{name}()", first)
        elif name in PROMPTS:
            report(node, f"{name}()", first)
            for kw in node.keywords:
                if kw.arg in PROMPT_KEYWORDS:
                    report(node, f"{name}({kw.arg}=)", kw.value)
        for kw in node.keywords:
            if kw.arg in TEXT_KEYWORDS:
                report(node, f"{name}({kw.arg}=)", kw.value)
    return found


def all_findings() -> list[Finding]:
    trees = {str(p.relative_to(PACKAGE)): ast.parse(p.read_text("utf-8"), str(p))
             for p in modules()}
    errors = own_error_classes(trees)
    found = [f for path, tree in trees.items() for f in findings_in(path, tree, errors)]
    return sorted(set(found), key=lambda f: (f.path, f.line, f.where))


def allowed(finding: Finding) -> bool:
    return any(finding.path == path and finding.text.startswith(start)
               for path, start in ALLOWED)


def test_every_user_facing_text_is_marked_for_translation():
    left = [f for f in all_findings() if not allowed(f)]
    assert not left, (f"{len(left)} user-facing text(s) not marked for translation (wrap in "
                      "_(\"...\") with named {placeholders}, format after translating, or "
                      "N_() for module constants):\n" + "\n".join(map(str, left)))


def test_the_allowlist_has_no_stale_entries():
    found = all_findings()
    stale = [key for key in ALLOWED
             if not any(f.path == key[0] and f.text.startswith(key[1]) for f in found)]
    assert not stale, f"ALLOWED entries that match nothing any more: {stale}"


def test_own_error_classes_are_found():
    trees = {str(p.relative_to(PACKAGE)): ast.parse(p.read_text("utf-8")) for p in modules()}
    assert {"TunaError", "CondaTunaError", "CondaError"} <= own_error_classes(trees)


def check(source: str) -> list[str]:
    """What the checker says about a snippet (for the self-tests below)."""
    tree = ast.parse(source)
    return [f"{f.where}: {f.text}" for f in findings_in("x.py", tree, {"CondaTunaError"})]


def test_the_checker_catches_each_kind():
    source = '''
HELP = "Module-level English."
OK_HELP = N_("Marked for translation.")
print("Hello world")
print(f"Mirror {name} failed")
print("Mirror %s failed" % name)
print("Mirror {name} failed".format(name=name))
print(_("Mirror {name}").format(name=n) + " failed")
raise CondaTunaError("Give a command: " + ", ".join(names))
log.warning("Mirror %s is stale", name)
parser.error("bad")
answer = input("Proceed? [y/N] ")
confirm_yn(message="Really?")
p.add_argument("--x", help="Some help.")
p.add_argument("--y", help=HELP)
p.add_argument("--z", help=OK_HELP)
sys.stderr.write("conda-tuna: oops\\n")
parser.epilog = HELP
_(f"Mirror {name}")
_("Mirror {name}".format(name=name))
'''
    assert sorted(check(source)) == sorted([
        "print(): 'Hello world'",
        "print(): f'Mirror {name} failed'",
        "print(): 'Mirror %s failed' % name",
        "print(): 'Mirror {name} failed'.format(name=name)",
        "print(): _('Mirror {name}').format(name=n) + ' failed'",
        "CondaTunaError(): 'Give a command: ' + ', '.join(names)",
        "log.warning(): 'Mirror %s is stale'",
        "parser.error(): 'bad'",
        "input(): 'Proceed? [y/N] '",
        "confirm_yn(message=): 'Really?'",
        "add_argument(help=): 'Some help.'",
        "add_argument(help=) via HELP: 'Module-level English.'",
        "sys.stderr.write(): 'conda-tuna: oops\\n'",
        "parser.epilog = via HELP: 'Module-level English.'",
        "_() of a formatted string: f'Mirror {name}'",
        "_() of a formatted string: 'Mirror {name}'.format(name=name)",
    ])


def test_the_checker_lets_translated_and_layout_text_pass():
    source = '''
print(_("Mirror {name} failed.").format(name=name))
print(ngettext("{n} channel", "{n} channels", n).format(n=n))
print("")
print(f"  {label}: {value}")
print("\\n".join(lines))
print(json.dumps(data))
raise CondaTunaError(str(exc))
log.debug("internal detail %s", x)
p.add_argument("--x", help=argparse.SUPPRESS)
'''
    assert check(source) == []
