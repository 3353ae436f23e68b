"""Where things live: the module boundaries that keep a change in one place."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_answer_types_do_not_depend_on_forms():
    for name in ("workflows.py", "answers.py", "page_form.py"):
        assert "assessment.forms" not in imported_modules(ROOT / "assessment" / name), name


def test_no_module_borrows_from_the_page_view():
    """Shared view code lives in views/common.py or page_form.py, not in the page's view."""
    for path in (ROOT / "assessment").rglob("*.py"):
        assert "assessment.views.check" not in imported_modules(path), path


def test_the_page_view_and_the_facilitator_view_share_the_page_form():
    for name in ("check.py", "session.py"):
        assert "assessment.page_form" in imported_modules(ROOT / "assessment" / "views" / name)


def starts_gunicorn(path: Path) -> bool:
    """Whether a file runs a process whose arguments name gunicorn."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in {"Popen", "run"}:
            texts = [
                element.value
                for argument in node.args
                if isinstance(argument, ast.List)
                for element in argument.elts
                if isinstance(element, ast.Constant)
            ]
            if "gunicorn" in texts:
                return True
    return False


def test_only_one_place_starts_gunicorn():
    starters = [
        path.relative_to(ROOT).as_posix()
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if starts_gunicorn(path)
    ]
    assert starters == ["tests/live.py"]


def test_report_building_lives_in_the_reports_package():
    """The page, the PDF and the JSON export gather a report in one place."""
    assert not (ROOT / "assessment" / "report.py").exists()
    assert not (ROOT / "assessment" / "pdf.py").exists()
    workflows = ast.parse((ROOT / "assessment" / "workflows.py").read_text(encoding="utf-8"))
    defined = {
        node.name for node in workflows.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }
    assert not defined & {"Report", "build_report", "plan_inputs", "advice_content"}
    for folder in ("assessment", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not {"assessment.report", "assessment.pdf"} & imported_modules(path), path
