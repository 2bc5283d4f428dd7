"""Rules of the house, checked on the tree itself:

- every stage's dvc.yaml deps are exactly the hsokv/ and stages/ files its script imports
  (transitively; imports inside functions, methods and if-blocks count, relative ones too,
  importing a.b.c runs a/__init__.py and a/b/__init__.py, and a package that discovers its modules
  with pkgutil imports them all), so a code change reruns exactly the stages that run that code.
  One exception, on purpose: an import inside a package's module-level __getattr__ (PEP 562) runs
  only when a name is asked of the package, so it counts only for a module that does
  `from package import name`, not for every importer of the package (hsokv/ has no such hook now);
- every stage's params are exactly what its script declares in READS, plus each preset's part
  of those keys (DVC cannot follow `preset: demo` into `presets.demo`);
- no import cycle among hsokv modules; the core (hsokv/ outside benchmarks/) never imports a
  benchmark, and no benchmark imports another.

`python tests/test_house.py` prints every stage's deps and params as dvc.yaml should hold them.
"""
from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CODE = ("hsokv", "stages")
# Stage scripts being rewritten on other branches; until they declare READS, their params are
# checked only for the preset parts of what dvc.yaml lists.
READS_PENDING: set[str] = set()


# -- imports -------------------------------------------------------------------------------------
def module_file(name: str) -> Path | None:
    path = REPO.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _lazy_imports(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside a package's module-level __getattr__ (PEP 562): they run
    only when a name of the package is asked for, which imported_names handles."""
    return {id(n) for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "__getattr__"
            for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}


@lru_cache(maxsize=None)
def imported_names(path: Path) -> frozenset[str]:
    """Dotted names of the hsokv/stages modules `path` imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    lazy = _lazy_imports(tree) if path.name == "__init__.py" else set()
    out = set()
    for node in ast.walk(tree):
        if id(node) in lazy:
            continue
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            out.add(base)
            for alias in node.names:
                if module_file(f"{base}.{alias.name}"):
                    out.add(f"{base}.{alias.name}")          # a submodule
                elif (init := module_file(base)) and init.name == "__init__.py":
                    out |= _lazily_resolved(init, alias.name)  # a name the package resolves lazily
    if path.name == "__init__.py" and _discovers_its_folder(tree):
        out |= {f"{package}.{f.stem}" for f in path.parent.glob("*.py") if f.name != "__init__.py"}
    return frozenset(n for n in out if n.split(".")[0] in CODE)


def _discovers_its_folder(tree: ast.Module) -> bool:
    """A package __init__ that imports every module beside it (a registry filled by discovery:
    `for m in pkgutil.iter_modules(__path__): importlib.import_module(...)`)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "iter_modules"
               for n in ast.walk(tree))


def _lazily_resolved(init: Path, name: str) -> set[str]:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    lazy = _lazy_imports(tree)
    if not lazy:
        return set()
    package = module_name(init)
    out = set()
    for node in ast.walk(tree):
        if id(node) in lazy and isinstance(node, ast.ImportFrom):
            base = node.module or package
            out |= {f"{base}.{a.name}" if module_file(f"{base}.{a.name}") else base for a in node.names}
    return out


def with_parents(name: str) -> list[Path]:
    """The files `import name` runs: each enclosing package's __init__.py, then the module."""
    parts = name.split(".")
    return [f for k in range(1, len(parts) + 1) if (f := module_file(".".join(parts[:k])))]


def closure(script: Path) -> set[Path]:
    """The files `python -m stages.<name>` runs: its package's __init__.py, the script, what they import."""
    seen, todo = set(), with_parents(module_name(script))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_names(path):
            todo += with_parents(name)
    return seen


# -- stages as DVC resolves them --------------------------------------------------------------------
@lru_cache(maxsize=1)
def stages() -> tuple:
    """(name, script, command-line option value or None, code deps, params) per stage, foreach expanded."""
    from dvc.dependency.param import ParamsDependency
    from dvc.repo import Repo

    out = []
    with Repo(str(REPO)) as repo:
        for stage in repo.index.stages:
            cmd = stage.cmd if isinstance(stage.cmd, str) else " ".join(stage.cmd)
            match = re.search(r"-m\s+(stages\.\w+)", cmd)
            if not match:
                continue
            option = re.search(r"\s--\w+\s+(\S+)", cmd)
            deps = [d.def_path for d in stage.deps if not isinstance(d, ParamsDependency)]
            params = [p for d in stage.deps if isinstance(d, ParamsDependency) for p in d.params]
            out.append((stage.addressing, module_file(match.group(1)), option and option.group(1), deps, params))
    return tuple(out)


def code_files(dep: str) -> list[Path]:
    path = REPO / dep
    if dep.split("/")[0] not in CODE:
        return []
    return sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.suffix == ".py" else []


def expected_code_deps(script: Path) -> list[str]:
    """The closure as dvc.yaml lines: a folder when the stage imports every file in it."""
    need = closure(script)
    lines, covered = [], set()
    for folder in sorted({p.parent for p in need}, key=lambda p: len(p.parts)):
        files = set(folder.rglob("*.py"))
        if folder != REPO / "stages" and folder != REPO / "hsokv" and files <= need and not files <= covered:
            lines.append(str(folder.relative_to(REPO)))
            covered |= files
    lines += [str(p.relative_to(REPO)) for p in sorted(need - covered)]
    return sorted(lines)


# -- the closure rule, on a made-up tree ----------------------------------------------------------
@pytest.fixture
def tree(tmp_path, monkeypatch):
    """write({path: source}) lays files out under a temporary REPO that the closure functions read."""
    def write(files: dict[str, str]) -> Path:
        for rel, text in files.items():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    imported_names.cache_clear()
    yield write
    imported_names.cache_clear()


LAZY_PACKAGE = {
    "hsokv/__init__.py": """
        def __getattr__(name):
            from hsokv import lazy
            return getattr(lazy, name)
        """,
    "hsokv/lazy.py": "Thing = 1\n",
    "hsokv/unused.py": "",
}


def test_closure_follows_imports_wherever_they_are(tree):
    root = tree({**LAZY_PACKAGE,
                 "stages/s.py": "def main():\n    import hsokv.a\n",
                 "hsokv/a.py": """
                     def f():
                         from hsokv import b
                     class C:
                         def m(self):
                             from .sub import c
                     if f is None:
                         import hsokv.deep.er.mod
                     """,
                 "hsokv/b.py": "", "hsokv/sub/__init__.py": "", "hsokv/d.py": "x = 1\n",
                 "hsokv/sub/c.py": "def g():\n    from ..d import x\n",
                 "hsokv/deep/__init__.py": "", "hsokv/deep/er/__init__.py": "", "hsokv/deep/er/mod.py": ""})
    got = {str(p.relative_to(root)) for p in closure(root / "stages/s.py")}
    assert got == {"stages/s.py", "hsokv/__init__.py", "hsokv/a.py", "hsokv/b.py", "hsokv/sub/__init__.py",
                   "hsokv/sub/c.py", "hsokv/d.py", "hsokv/deep/__init__.py", "hsokv/deep/er/__init__.py",
                   "hsokv/deep/er/mod.py"}


def test_a_packages_lazy_getattr_counts_only_where_a_name_is_asked_for(tree):
    root = tree({**LAZY_PACKAGE, "stages/plain.py": "import hsokv.unused\n",
                 "stages/asks.py": "def main():\n    from hsokv import Thing\n"})
    assert root / "hsokv/lazy.py" not in closure(root / "stages/plain.py")
    assert root / "hsokv/lazy.py" in closure(root / "stages/asks.py")


# -- params ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def params_yaml() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def _has(tree: dict, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def declared_reads(script: Path, option: str | None, listed: list[str]) -> tuple[str, ...]:
    if str(script.relative_to(REPO)) in READS_PENDING:
        return tuple(p for p in listed if p not in ("preset", "presets") and not p.startswith("presets."))
    module = importlib.import_module(module_name(script))
    return tuple(module.reads(option)) if hasattr(module, "reads") else tuple(module.READS)


def expected_params(reads: tuple[str, ...]) -> set[str]:
    """READS, `preset`, and every preset's part of each READS key that the preset sets."""
    if not reads:
        return set()
    presets = params_yaml()["presets"]
    return {"preset", *reads, *(f"presets.{p}.{r}" for p in presets for r in reads if _has(presets[p], r))}


# -- the tests -------------------------------------------------------------------------------------
STAGES = [s[0] for s in stages()]


@pytest.mark.parametrize("name", STAGES)
def test_deps_are_the_import_closure(name):
    _, script, _, deps, _ = next(s for s in stages() if s[0] == name)
    need, listed = closure(script), {f for d in deps for f in code_files(d)}
    missing = sorted(str(p.relative_to(REPO)) for p in need - listed)
    extra = sorted(str(p.relative_to(REPO)) for p in listed - need)
    assert not missing and not extra, (
        f"{name}: dvc.yaml deps do not match what {script.relative_to(REPO)} imports.\n"
        f"  missing: {missing}\n  not imported: {extra}\n  code deps should be:\n"
        + "\n".join(f"      - {line}" for line in expected_code_deps(script)))


@pytest.mark.parametrize("name", STAGES)
def test_params_are_what_the_stage_reads(name):
    _, script, option, _, listed = next(s for s in stages() if s[0] == name)
    want = expected_params(declared_reads(script, option, listed))
    assert set(listed) == want, (
        f"{name}: dvc.yaml params do not match READS of {script.relative_to(REPO)}.\n"
        f"  missing: {sorted(want - set(listed))}\n  not read: {sorted(set(listed) - want)}\n"
        f"  params should be: [{', '.join(sorted(want))}]")


def test_stages_that_read_max_length_list_it():
    """Issue 17: synthetic, synthetic_*, search@* and search_backends tokenise at data.max_length."""
    names = [s for s in stages() if re.match(r"synthetic$|synthetic_|search@|search_backends$", s[0])]
    assert len(names) >= 7
    for name, *_, listed in names:
        assert "data.max_length" in listed or "data" in listed, name


def test_reads_guard_refuses_undeclared_params():
    from hsokv.config import load_params
    from hsokv.reads import UnreadParamError

    cfg = load_params(REPO / "params.yaml", reads=("seeds", "data.max_length"))
    assert cfg.data.max_length == 96 and cfg.seeds
    with pytest.raises(UnreadParamError, match="'data.word_specs'"):
        cfg.data.word_specs
    with pytest.raises(UnreadParamError, match="'model.d_model'"):
        cfg.model_copy().model.d_model
    with pytest.raises(ValueError, match="'data.max_lenght', which is not a params key"):
        load_params(REPO / "params.yaml", reads=("data.max_lenght",))


def test_the_checks_run_first_and_guard_every_download():
    """`dvc repro` must fail on bad params or a missing dataset in seconds, before any long stage (issue 17)."""
    from dvc.repo import Repo
    from dvc.repo.reproduce import get_active_graph, plan_repro

    with Repo(str(REPO)) as repo:
        graph = get_active_graph(repo.index.graph)
        plan = [s.addressing for s in plan_repro(graph)]
        guarded = {s.addressing for s in graph if any(d.def_path == "data/sources_checked.txt" for d in s.deps)}
    assert plan[:2] == ["check_params", "check_sources"], plan[:3]
    downloads = {name for name in plan if name.startswith("download_")}
    assert downloads and downloads == guarded


def _graph() -> dict[str, set[str]]:
    files = sorted((REPO / "hsokv").rglob("*.py"))
    names = {module_name(f) for f in files}
    return {module_name(f): {n for n in imported_names(f) if n in names and n != module_name(f)} for f in files}


def test_no_import_cycle():
    graph, state, stack = _graph(), {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_core_never_imports_a_benchmark():
    def benchmark(name):
        return name.split(".")[2] if name.startswith("hsokv.benchmarks.") else None

    wrong = [(a, b) for a, targets in _graph().items() for b in targets
             if benchmark(b) and benchmark(a) != benchmark(b)]
    assert not wrong, f"core -> benchmark or benchmark -> benchmark imports: {wrong}"


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for name, script, option, deps, listed in stages():
        data_deps = [d for d in deps if not code_files(d)]
        print(f"{name}:\n    deps:")
        print("\n".join(f"      - {d}" for d in expected_code_deps(script) + data_deps))
        try:
            print(f"    params: [{', '.join(sorted(expected_params(declared_reads(script, option, listed))))}]")
        except AttributeError as err:
            print(f"    params: ? ({err}: declare READS there)")


GPU_KITS = sorted(REPO.glob("research/**/gpu_*.sh"))


@pytest.mark.parametrize("script", GPU_KITS, ids=lambda p: str(p.relative_to(REPO)))
def test_gpu_kits_parse_and_name_no_machine_paths(script):
    """The GPU hosts' shell kits run nowhere in CI: at least they parse, and they reach the host's files
    through $HOME, not through one machine's absolute paths."""
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    assert not re.search(r"(?<![\w$}])/(root|work|home)/", text), "use $HOME, not an absolute home path"


def test_there_are_gpu_kits_to_check():
    assert {p.parent.name for p in GPU_KITS} >= {"continual_kit", "minilm"}
