"""The "conda first, then pip" rule as pure decisions.

Given what conda installed (records with channels), what pip installed (dist-info) and what
the user asks pip for, decide: which requests conda channels should take first, which pip
installs would replace a conda package (refused unless --force), whether pip needs the
mirror's index, and what the pre-command hook says before `conda install` into an
environment that already holds pip packages.

Pure Python, no conda import; the adapters are cli/pip.py and pypi/adapter.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..base.errors import TunaError
from ..i18n import _, ngettext
from .envpackages import CondaRecord, PythonDist, normalize

# architecture: pure

POLICIES = ("warn", "strict", "off")

#: PyPI names whose conda package has another name (conda-forge and defaults agree on these).
PYPI_TO_CONDA = {
    "torch": "pytorch",
    "tables": "pytables",
    "msgpack": "msgpack-python",
    "opencv-python": "opencv",
    "opencv-python-headless": "opencv",
    "opencv-contrib-python": "opencv",
    "tensorflow-cpu": "tensorflow",
    "psycopg2-binary": "psycopg2",
}

# conda-tuna's own options inside `conda tuna pip install ...`
_OWN_FLAGS = {"--force": "force", "--conda-first": "conda_first", "-y": "yes", "--yes": "yes",
              "--dry-run": "dry_run", "--json": "json"}
_OWN_VALUES = {"-n": "name", "--name": "name", "-p": "prefix", "--prefix": "prefix"}

#: pip install options that take a value as the next argument (pip 23-26).
PIP_VALUE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target",
    "--platform", "--python-version", "--implementation", "--abi", "--root", "--src",
    "--upgrade-strategy", "--progress-bar", "--log", "--log-file", "--proxy", "--retries",
    "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert",
    "--cache-dir", "--no-binary", "--only-binary", "--config-settings", "-C",
    "--global-option", "--report", "--root-user-action", "--keyring-provider", "--python",
    "--use-feature", "--use-deprecated", "-i", "--index-url", "--extra-index-url", "-f",
    "--find-links", "--group", "--build-constraint", "--resume-retries", "--uploaded-prior-to",
})
INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "--no-index"})
_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"\s*(?P<spec>(?:[<>=!~]=?|===)[^;]*)?\s*(?:;(?P<marker>.*))?$"
)


@dataclass
class Options:
    """conda-tuna's options taken out of `conda tuna pip install ...`; the rest is pip's."""

    name: str | None = None
    prefix: str | None = None
    force: bool = False
    conda_first: bool = False
    yes: bool = False
    dry_run: bool = False
    json: bool = False
    pip_args: list[str] = field(default_factory=list)


def split_options(argv: list[str]) -> Options:
    """Separate our options from pip's. A literal `--` ends ours: all after it is pip's.

    pip's own `--prefix` and `--dry-run` are shadowed on purpose: here `--prefix` names the
    conda environment and `--dry-run` shows the plan (pip's dry run is what computes it).
    """
    opts = Options()
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            opts.pip_args.extend(args[i + 1:])
            break
        key, eq, value = arg.partition("=")
        if arg in _OWN_FLAGS:
            setattr(opts, _OWN_FLAGS[arg], True)
        elif key in _OWN_VALUES and key.startswith("--") and eq:
            setattr(opts, _OWN_VALUES[key], value)
        elif arg in _OWN_VALUES:
            if i + 1 >= len(args):
                raise TunaError(_("{option} needs a value.").format(option=arg))
            setattr(opts, _OWN_VALUES[arg], args[i + 1])
            i += 1
        elif arg[:2] in ("-n", "-p") and len(arg) > 2 and not arg.startswith("--"):
            setattr(opts, _OWN_VALUES[arg[:2]], arg[2:])
        else:
            opts.pip_args.append(arg)
        i += 1
    if opts.name and opts.prefix:
        raise TunaError(_("Give either -n/--name or -p/--prefix, not both."))
    return opts


@dataclass(frozen=True)
class Requirement:
    raw: str
    name: str
    extras: str = ""
    spec: str = ""
    marker: str = ""

    @property
    def key(self) -> str:
        return normalize(self.name)


def parse_requirement(text: str) -> Requirement | None:
    """A PEP 508 requirement given on the command line; None for paths, URLs, files."""
    text = text.strip()
    if not text or "/" in text or "\\" in text or "@" in text or text.endswith(
            (".whl", ".zip", ".tar.gz")):
        return None
    m = _REQUIREMENT.match(text)
    if not m:
        return None
    return Requirement(text, m.group("name"), (m.group("extras") or "").strip(),
                       (m.group("spec") or "").replace(" ", ""), (m.group("marker") or "").strip())


@dataclass
class PipArgs:
    requirements: list[Requirement]
    others: list[str]  # every argument that is not a plain requirement, in order
    gives_index: bool
    requirement_files: list[str] = field(default_factory=list)


def parse_requirements_text(text: str) -> tuple[list[Requirement], list[str]]:
    """(requirements, nested -r files) from a requirements file's text.

    Comments, blank lines, option lines (-i, -c, -e, --hash ...), paths and URLs are left
    to pip; only plain PEP 508 lines can be offered to conda first.
    """
    requirements: list[Requirement] = []
    nested: list[str] = []
    for line in text.replace("\\\n", " ").splitlines():
        line = re.split(r"(^|\s)#", line, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ", "--requirement=")):
            nested.append(line.split(None, 1)[-1].split("=", 1)[-1].strip())
            continue
        if line.startswith("-"):
            continue
        req = parse_requirement(line.split(" --", 1)[0])
        if req is not None:
            requirements.append(req)
    return requirements, nested


def analyse_pip_args(args: list[str]) -> PipArgs:
    """Find the requirement arguments and whether the user chose an index."""
    requirements: list[Requirement] = []
    others: list[str] = []
    files: list[str] = []
    gives_index = False
    i = 0
    while i < len(args):
        arg = args[i]
        key = arg.partition("=")[0]
        if arg.startswith("-"):
            gives_index = gives_index or key in INDEX_OPTIONS or (
                arg[:2] == "-i" and len(arg) > 2)
            others.append(arg)
            if arg in PIP_VALUE_OPTIONS and i + 1 < len(args):
                others.append(args[i + 1])
                if arg in ("-r", "--requirement"):
                    files.append(args[i + 1])
                i += 1
            elif key == "--requirement":
                files.append(arg.partition("=")[2])
        else:
            req = parse_requirement(arg)
            if req is None:
                others.append(arg)
            else:
                requirements.append(req)
        i += 1
    return PipArgs(requirements, others, gives_index, files)


def conda_name(pypi_name: str) -> str:
    key = normalize(pypi_name)
    return PYPI_TO_CONDA.get(key, key)


def conda_spec(req: Requirement) -> str | None:
    """The conda MatchSpec for a pip requirement, or None when it cannot be said in conda.

    Environment markers and `===` have no conda equivalent; `~=X.Y` becomes `>=X.Y,==X.*`.
    """
    if req.marker or "===" in req.spec:
        return None
    name = conda_name(req.name)
    if not req.spec:
        return name
    parts = []
    for clause in req.spec.split(","):
        if clause.startswith("~="):
            version = clause[2:]
            head = version.rsplit(".", 1)[0] if "." in version else version
            parts += [f">={version}", f"=={head}.*"]
        else:
            parts.append(clause)
    return f"{name}{','.join(parts)}"


@dataclass
class CondaFirst:
    """A requirement conda channels can provide: conda should install it, not pip."""

    requirement: Requirement
    spec: str


def conda_first_candidates(requirements: list[Requirement], installed: set[str],
                           available: set[str]) -> list[CondaFirst]:
    """Requirements not installed yet whose conda name the channels carry.

    `installed`: normalized names present in the environment (conda or pip);
    `available`: conda package names the configured channels offer.
    """
    found = []
    for req in requirements:
        spec = conda_spec(req)
        if spec is None or req.key in installed or conda_name(req.name) in installed:
            continue
        if conda_name(req.name) in available:
            found.append(CondaFirst(req, spec))
    return found


@dataclass(frozen=True)
class Planned:
    """One distribution pip would install (from `pip install --dry-run --report`)."""

    name: str
    version: str
    requested: bool = False

    @property
    def key(self) -> str:
        return normalize(self.name)


def parse_pip_report(text: str) -> list[Planned]:
    """pip's installation report (JSON, `--report`) -> what pip would install."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TunaError(_("pip's installation report is not JSON: {error}").format(
            error=exc)) from exc
    planned = []
    for item in data.get("install", []) if isinstance(data, dict) else []:
        meta = item.get("metadata") or {}
        if meta.get("name"):
            planned.append(Planned(meta["name"], str(meta.get("version", "")),
                                   bool(item.get("requested"))))
    return planned


@dataclass(frozen=True)
class Conflict:
    """pip would replace a package that conda installed."""

    planned: Planned
    record: CondaRecord


def conflicts(planned: list[Planned], conda_owned: dict[str, CondaRecord]) -> list[Conflict]:
    return [Conflict(p, conda_owned[p.key]) for p in planned if p.key in conda_owned]


def refusal_message(found: list[Conflict], prefix: str) -> TunaError:
    """The error for pip replacing conda packages: name them and say how to do it in conda."""
    lines = [_("  {name} {version} from {channel} (pip would install {pip_name} "
               "{pip_version})").format(name=c.record.name, version=c.record.version,
                                        channel=c.record.channel or "conda",
                                        pip_name=c.planned.name,
                                        pip_version=c.planned.version) for c in found]
    names = " ".join(sorted({c.record.name for c in found}))
    return TunaError(
        _("pip would replace packages that conda installed in this environment:\n"
          "{packages}\n"
          "conda would no longer know what is installed, and its next install or update "
          "could break them.").format(packages="\n".join(lines)),
        hint=_("Upgrade them with conda instead: `conda update -p {prefix} {names}` (or "
               "`conda install -p {prefix} \"{first}>=VERSION\"`), then run "
               "`conda tuna pip install` again. To let pip replace them anyway, add --force."
               ).format(prefix=prefix, names=names, first=found[0].record.name),
    )


def policy(value: object) -> str:
    """The tuna_pip_policy setting, validated (unknown values act as the default, warn)."""
    text = str(value or "warn").strip().lower()
    return text if text in POLICIES else "warn"


def pip_packages_warning(prefix: str, command: str, dists: list[PythonDist],
                         strict: bool) -> str:
    """What the pre-command says before conda changes an environment holding pip packages."""
    shown = ", ".join(d.label for d in dists[:12]) + (" ..." if len(dists) > 12 else "")
    verb = command.replace("_", " ")
    count = len(dists)
    if strict:
        head = ngettext("conda-tuna: refusing to run `conda {verb}` into {prefix}, which holds "
                        "{count} package installed by pip: {shown}.",
                        "conda-tuna: refusing to run `conda {verb}` into {prefix}, which holds "
                        "{count} packages installed by pip: {shown}.", count)
    else:
        head = ngettext("conda-tuna: warning: `conda {verb}` into {prefix}, which holds "
                        "{count} package installed by pip: {shown}.",
                        "conda-tuna: warning: `conda {verb}` into {prefix}, which holds "
                        "{count} packages installed by pip: {shown}.", count)
    body = _(
        "conda does not know about pip's packages: this may overwrite them or break them "
        "(the rule is conda first, then pip).\n"
        "Safer: recreate the environment from a file (conda packages under dependencies, pip "
        "packages under `pip:`), or next time install everything conda provides first and "
        "add the rest with `conda tuna pip install`."
    )
    if strict:
        tail = _("plugins.tuna_pip_policy is strict. To go ahead for this one command: "
                 "CONDA_PLUGINS_TUNA_PIP_POLICY=warn conda {verb} ...; to relax it: "
                 "conda config --set plugins.tuna_pip_policy warn").format(verb=verb)
    else:
        tail = _("Set plugins.tuna_pip_policy to strict to refuse such commands, or off to "
                 "silence this warning.")
    head = head.format(verb=verb, prefix=prefix, count=count, shown=shown)
    return f"{head}\n{body}\n{tail}"
