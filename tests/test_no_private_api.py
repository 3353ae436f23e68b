"""No module of the app, its tests or its benchmarks uses a private name of a library.

Private means `_`-prefixed (dunder names are Python's, not a library's). Checked in the
source, so the test does not depend on which code paths the other tests happen to run:

- `from LIBRARY import _name`, and any import of a `_`-prefixed module such as
  `django.utils._os`;
- `something._name` on anything that is not one of our own modules or classes, and
  `getattr(something, "_name")` (or setattr, hasattr, delattr) alike;
- `self._name` in a class of ours where `_name` is not defined by our own code;
- a `_`-prefixed method or attribute in a class of ours that overrides one of a library base
  class (a private hook: the next release may rename it or call it differently).

Left out: `.ci/audit.py` and its test `tests/test_audit.py`. pip-audit has no public Python
API; the CI workaround (the newest release's record where PyPI has none for the installed
one) needs its internal classes, and is kept isolated in those two files until PyPI's
per-release records can be reached from CI.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWN_PACKAGES = {"assessment", "config", "tests", "bench"}
SCANNED = ["assessment", "config", "tests", "bench", "manage.py", "gunicorn.conf.py"]
LEFT_OUT = {Path("tests/test_audit.py"), Path(".ci/audit.py")}

# `_`-names that are documented public API, each with where it is documented.
DOCUMENTED = {
    # Model._meta: Django's documented Model _meta API (docs/ref/models/meta).
    "_meta",
    # A manager's database alias, used as `save(using=self._db)` in Django's own documented
    # custom user manager (docs/topics/auth/customizing).
    "_db",
    # namedtuple's methods and attributes carry a leading underscore by design so they
    # cannot clash with field names (Python docs, collections.namedtuple); urlsplit() and
    # friends return named tuples.
    "_replace",
    "_asdict",
    "_fields",
    "_make",
}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass(frozen=True)
class Hit:
    path: Path
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def python_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [
        file
        for file in files
        if "migrations" not in file.parts and file.relative_to(ROOT) not in LEFT_OUT
    ]


def is_own_module(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in OWN_PACKAGES


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path, tree: ast.Module) -> None:
        self.path = path
        self.hits: list[Hit] = []
        self.classes: list[ast.ClassDef] = []
        # Names in this file bound to one of our own modules (`from assessment import models`).
        self.own_modules: set[str] = set()
        # Name -> (module, attribute) for everything imported, to resolve base classes.
        self.imported: dict[str, tuple[str, str | None]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    self.imported[bound] = (alias.name if alias.asname else bound, None)
                    if is_own_module(alias.name):
                        self.own_modules.add(bound)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    bound = alias.asname or alias.name
                    self.imported[bound] = (node.module, alias.name)
                    if is_own_module(node.module) and is_submodule(node.module, alias.name):
                        self.own_modules.add(bound)
        self.own_attributes = own_attribute_names(tree)

    def hit(self, node: ast.AST, what: str) -> None:
        self.hits.append(Hit(self.path.relative_to(ROOT), getattr(node, "lineno", 0), what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not is_own_module(alias.name) and any(map(private, alias.name.split("."))):
                self.hit(node, f"private module {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and not is_own_module(module):
            if any(map(private, module.split("."))):
                self.hit(node, f"private module {module}")
            for alias in node.names:
                if private(alias.name):
                    self.hit(node, f"from {module} import {alias.name}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.check_attribute(node, node.value, node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr", "delattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            self.check_attribute(node, node.args[0], node.args[1].value)
        self.generic_visit(node)

    def check_attribute(self, node: ast.AST, owner: ast.expr, name: str) -> None:
        if not private(name) or name in DOCUMENTED:
            return
        if isinstance(owner, ast.Name) and owner.id in self.own_modules:
            return  # a private name of one of our own modules
        if isinstance(owner, ast.Name) and owner.id in {"self", "cls"}:
            if name in self.own_attributes:
                return
        self.hit(node, f"{ast.unparse(owner)}.{name}")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        self.generic_visit(node)


def is_submodule(package: str, name: str) -> bool:
    try:
        spec = importlib.util.find_spec(f"{package}.{name}")
    except (ImportError, ValueError):
        return False
    return spec is not None


def own_attribute_names(tree: ast.Module) -> set[str]:
    """`_`-names our classes define: methods and class attributes in a class body, and
    `self._name = ...` in an `__init__`. (Assigning a library's private attribute elsewhere
    does not make it ours.)"""
    names: set[str] = set()
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        for item in cls.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(item.name)
            elif isinstance(item, ast.Assign):
                names |= {t.id for t in item.targets if isinstance(t, ast.Name)}
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                names.add(item.target.id)
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                for sub in ast.walk(item):
                    targets = sub.targets if isinstance(sub, ast.Assign) else []
                    if isinstance(sub, ast.AnnAssign):
                        targets = [sub.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            names.add(target.attr)
    return {name for name in names if private(name)}


def resolve(checker: Checker, expression: ast.expr) -> object | None:
    """The object a base-class expression names, through this file's imports."""
    parts: list[str] = []
    while isinstance(expression, ast.Attribute):
        parts.insert(0, expression.attr)
        expression = expression.value
    if not isinstance(expression, ast.Name):
        return None
    if expression.id in checker.imported:
        module, attribute = checker.imported[expression.id]
        try:
            target = importlib.import_module(module)
            if attribute is not None:
                target = (
                    getattr(target, attribute)
                    if hasattr(target, attribute)
                    else importlib.import_module(f"{module}.{attribute}")
                )
        except ImportError:
            return None
    elif hasattr(builtins, expression.id):
        target = getattr(builtins, expression.id)
    else:
        return None  # a class defined in the same file: checked where it is defined
    for part in parts:
        target = getattr(target, part, None)
    return target


def library_classes(base: object) -> list[type]:
    if not isinstance(base, type):
        return []
    return [
        klass
        for klass in base.__mro__
        if not is_own_module(klass.__module__) and klass.__module__ != "builtins"
    ]


def check_overrides(checker: Checker) -> None:
    for cls in checker.classes:
        defined = [
            (item, item.name)
            for item in cls.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ] + [
            (item, target.id)
            for item in cls.body
            if isinstance(item, ast.Assign)
            for target in item.targets
            if isinstance(target, ast.Name)
        ]
        bases = [klass for base in cls.bases for klass in library_classes(resolve(checker, base))]
        for node, name in defined:
            if private(name) and any(name in vars(klass) for klass in bases):
                owner = next(k for k in bases if name in vars(k))
                checker.hit(
                    node, f"{cls.name}.{name} overrides {owner.__module__}.{owner.__name__}.{name}"
                )


def private_uses(path: Path) -> list[Hit]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    checker = Checker(path, tree)
    checker.visit(tree)
    check_overrides(checker)
    return checker.hits


def check_source(source: str) -> list[str]:
    tree = ast.parse(source)
    checker = Checker(ROOT / "tests" / "probe.py", tree)
    checker.visit(tree)
    check_overrides(checker)
    return [hit.what for hit in checker.hits]


def test_no_module_uses_a_private_name_of_a_library():
    hits = [hit for path in python_files() for hit in private_uses(path)]
    assert not hits, "private names of libraries in use:\n" + "\n".join(map(str, hits))


def test_the_scan_covers_the_app_tests_and_benchmarks():
    scanned = {path.relative_to(ROOT) for path in python_files()}
    assert Path("assessment/access.py") in scanned
    assert Path("config/settings.py") in scanned
    assert Path("bench/pages.py") in scanned
    assert Path("tests/test_no_private_api.py") in scanned
    assert Path("tests/test_audit.py") not in scanned


@pytest.fixture
def made_up_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """A library that exists only in this test, with a class whose hooks are private."""
    package = types.ModuleType("somelib")
    package.__path__ = []
    store = types.ModuleType("somelib.store")

    class Store:
        def load(self) -> None: ...

        def _load_row(self) -> None: ...

    class RowStore(Store):
        pass

    Store.__module__ = RowStore.__module__ = "somelib.store"
    store.Store = Store  # type: ignore[attr-defined]
    store.RowStore = RowStore  # type: ignore[attr-defined]
    package.store = store  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "somelib", package)
    monkeypatch.setitem(sys.modules, "somelib.store", store)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Imports, attributes and overrides are judged by their form, so a made-up library
        # stands in for a real one: the test names no private part of any dependency.
        ("from somelib.query import _helper", ["from somelib.query import _helper"]),
        ("from somelib._paths import join", ["private module somelib._paths"]),
        ("import somelib._codecs", ["private module somelib._codecs"]),
        ("def f(rows):\n    return rows._hidden_cache", ["rows._hidden_cache"]),
        ("def f(config):\n    return getattr(config, '_folder', None)", ["config._folder"]),
        (
            "from somelib.store import Store\n"
            "class S(Store):\n"
            "    def _load_row(self):\n"
            "        self._row_key = None\n",
            ["self._row_key", "S._load_row overrides somelib.store.Store._load_row"],
        ),
        (
            "from somelib import store\n"
            "class W(store.RowStore):\n"
            "    def _load_row(self):\n"
            "        pass\n",
            ["W._load_row overrides somelib.store.Store._load_row"],
        ),
        (
            "from somelib.store import Store\nclass P(Store):\n    def load(self):\n        pass\n",
            [],
        ),
    ],
)
def test_the_check_finds_private_imports_attributes_and_overrides(
    made_up_library: None, source: str, expected: list[str]
) -> None:
    assert sorted(check_source(source)) == sorted(expected)


@pytest.mark.parametrize(
    "source",
    [
        "from django.utils.translation import gettext as _\nx = _('Text')",
        "from assessment import models\nmodels._CONTENT_CACHE.clear()",
        "def f(model):\n    return model._meta.get_field('name')",
        "from urllib.parse import urlsplit\nurlsplit('x://y')._replace(path='/')",
        "class A:\n    def __init__(self):\n        self._cache = {}\n"
        "    def get(self):\n        return self._cache",
        "class A:\n    def _helper(self):\n        return 1\n    def run(self):\n"
        "        return self._helper()",
        "from django.contrib.auth.base_user import BaseUserManager\n"
        "class M(BaseUserManager):\n    def _create(self):\n        return self._db",
    ],
)
def test_the_check_lets_our_own_and_documented_names_pass(source):
    assert check_source(source) == []
