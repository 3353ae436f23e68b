"""The dependency audit in .ci/audit.py, against a PyPI faked in memory (no network)."""

import importlib.util
import json
from pathlib import Path

import pytest
import requests
from packaging.version import Version
from pip_audit._service import (
    ConnectionError,
    ResolvedDependency,
    ServiceError,
    SkippedDependency,
)

ROOT = Path(__file__).resolve().parent.parent

_spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def release_url(name: str, version: str) -> str:
    return f"https://pypi.org/pypi/{name}/{version}/json"


def project_url(name: str) -> str:
    return f"https://pypi.org/pypi/{name}/json"


def record(version: str, *vulns: dict) -> dict:
    return {"info": {"name": "x", "version": version}, "vulnerabilities": list(vulns)}


def vuln(id: str, *, fixed_in=(), aliases=(), withdrawn=None, details="Something bad.") -> dict:
    return {
        "id": id,
        "aliases": list(aliases),
        "details": details,
        "summary": None,
        "fixed_in": list(fixed_in),
        "link": f"https://osv.dev/vulnerability/{id}",
        "source": "osv",
        "withdrawn": withdrawn,
    }


class FakePyPI:
    """Answers from a table of URL → JSON body (or status code, or exception); else 404."""

    def __init__(self, answers: dict) -> None:
        self.answers = answers
        self.asked: list[tuple[str, float | None]] = []

    def get(self, url: str, timeout: float | None = None) -> requests.Response:
        self.asked.append((url, timeout))
        answer = self.answers.get(url, 404)
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.url = url
        response.encoding = "utf-8"
        if isinstance(answer, int):
            response.status_code = answer
            response._content = b'{"message": "Not Found"}'
        else:
            response.status_code = 200
            response._content = json.dumps(answer).encode()
        return response

    def urls(self) -> list[str]:
        return [url for url, _ in self.asked]


class FakeSource:
    def __init__(self, *deps) -> None:
        self.deps = deps

    def collect(self):
        yield from self.deps


def dep(name: str, version: str) -> ResolvedDependency:
    return ResolvedDependency(name=name, version=Version(version))


EDITABLE_PROJECT = SkippedDependency(name="reifegrad", skip_reason=audit.EDITABLE)


@pytest.fixture
def service(tmp_path):
    def make(answers: dict):
        service = audit.NewestReleaseFallback(cache_dir=tmp_path, timeout=audit.TIMEOUT_SECONDS)
        service.session = FakePyPI(answers)
        return service

    return make


def test_the_per_release_record_is_used_where_pypi_has_it(service):
    pypi = service(
        {
            release_url("requests", "2.31.0"): record(
                "2.31.0", vuln("GHSA-aaaa", fixed_in=["2.32.0"])
            ),
            # Would give a different answer; must not be asked.
            project_url("requests"): record("2.31.0", vuln("GHSA-newest")),
        }
    )

    found, vulns = pypi.query(dep("requests", "2.31.0"))

    assert found == dep("requests", "2.31.0")
    assert [(v.id, v.fix_versions) for v in vulns] == [("GHSA-aaaa", [Version("2.32.0")])]
    assert pypi.session.asked == [(release_url("requests", "2.31.0"), 30)]


def test_without_the_per_release_record_the_newest_release_record_is_read(service):
    pypi = service(
        {
            project_url("ecdsa"): record(
                "0.19.2",
                vuln(
                    "GHSA-wj6h-64fc-37mp",
                    aliases=["CVE-2024-23342"],
                    details="Minerva timing\nattack.",
                ),
                vuln("PYSEC-2020-1", fixed_in=["0.20", "0.19.10"]),
                vuln("PYSEC-2019-9", withdrawn="2024-01-01T00:00:00Z"),
            )
        }
    )

    # Installed as "0.19.2.0": the same version as PyPI's "0.19.2" once parsed.
    found, vulns = pypi.query(dep("ecdsa", "0.19.2.0"))

    assert found == dep("ecdsa", "0.19.2")
    # pip-audit names a vulnerability by its PYSEC or CVE alias where it has one.
    assert [v.id for v in vulns] == ["CVE-2024-23342", "PYSEC-2020-1"]
    assert vulns[0].aliases == {"GHSA-wj6h-64fc-37mp"}
    assert vulns[0].description == "Minerva timing attack."
    assert vulns[0].fix_versions == []
    assert vulns[1].fix_versions == [Version("0.19.10"), Version("0.20")]
    assert pypi.session.urls() == [release_url("ecdsa", "0.19.2.0"), project_url("ecdsa")]
    assert [timeout for _, timeout in pypi.session.asked] == [30, 30]


def test_a_package_behind_its_newest_release_is_not_audited(service):
    pypi = service({project_url("django"): record("6.1.3", vuln("PYSEC-2026-1"))})

    found, vulns = pypi.query(dep("Django", "5.2.19"))

    assert vulns == []
    assert found == SkippedDependency(
        name="Django",
        skip_reason=(
            "only the newest release's record is reachable (6.1.3); 5.2.19 could not be checked"
        ),
    )


def test_a_package_unknown_to_pypi_is_not_audited(service):
    pypi = service({})

    found, vulns = pypi.query(dep("in-house-tool", "1.0"))

    assert vulns == []
    assert found.is_skipped()
    assert "not found on PyPI" in found.skip_reason
    assert "in-house-tool (1.0)" in found.skip_reason
    assert pypi.session.urls() == [
        release_url("in-house-tool", "1.0"),
        project_url("in-house-tool"),
    ]


def test_a_skipped_package_is_not_looked_up(service):
    pypi = service({})

    assert pypi.query(EDITABLE_PROJECT) == (EDITABLE_PROJECT, [])
    assert pypi.session.asked == []


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ({release_url("ecdsa", "0.19.2"): requests.ConnectionError("refused")}, ConnectionError),
        ({release_url("ecdsa", "0.19.2"): requests.ConnectTimeout()}, ConnectionError),
        ({project_url("ecdsa"): requests.ReadTimeout("slow")}, ConnectionError),
        ({project_url("ecdsa"): 503}, ServiceError),
        ({release_url("ecdsa", "0.19.2"): 500}, ServiceError),
    ],
)
def test_pypi_failing_is_a_service_error(service, answers, error):
    with pytest.raises(error):
        service(answers).query(dep("ecdsa", "0.19.2"))


def test_an_unreachable_pypi_fails_the_audit_with_a_message(service, capsys):
    pypi = service({release_url("ecdsa", "0.19.2"): requests.ConnectionError("no route")})

    code = audit.run(pypi, FakeSource(dep("ecdsa", "0.19.2")), strict=False)

    assert code == 1
    out = capsys.readouterr().out
    assert out.startswith("audit failed: PyPI's vulnerability records could not be read (")
    assert "no route" in out


def test_a_vulnerability_fails_the_audit(service, capsys):
    pypi = service(
        {
            project_url("ecdsa"): record(
                "0.19.2",
                vuln("GHSA-wj6h-64fc-37mp", aliases=["PYSEC-2026-1325"]),
                vuln("PYSEC-2026-1325", aliases=["GHSA-wj6h-64fc-37mp"]),
                vuln("PYSEC-2019-9", withdrawn="2024-01-01T00:00:00Z"),
            ),
            project_url("pyyaml"): record("5.3", vuln("PYSEC-2020-96", fixed_in=["5.4"])),
            project_url("gunicorn"): record("23.0.0"),
        }
    )
    source = FakeSource(
        dep("ecdsa", "0.19.2"), dep("PyYAML", "5.3"), dep("gunicorn", "23.0.0"), EDITABLE_PROJECT
    )

    code = audit.run(pypi, source, strict=False)

    # ecdsa's two entries are one vulnerability under both names: reported once.
    assert code == 1
    assert capsys.readouterr().out == (
        "VULNERABLE ecdsa 0.19.2: PYSEC-2026-1325 (no fix yet)\n"
        "VULNERABLE PyYAML 5.3: PYSEC-2020-96 (fixed in 5.4)\n"
    )


def test_packages_that_could_not_be_audited_are_listed_and_warned_about(service, capsys):
    pypi = service(
        {
            project_url("gunicorn"): record("23.0.0"),
            release_url("whitenoise", "6.7.0"): record("6.7.0"),
            project_url("django"): record("6.1.3"),
        }
    )
    source = FakeSource(
        dep("gunicorn", "23.0.0"),
        dep("whitenoise", "6.7.0"),
        dep("Django", "5.2.19"),
        dep("in-house-tool", "1.0"),
        EDITABLE_PROJECT,
    )

    code = audit.run(pypi, source, strict=False)

    assert code == 0
    assert capsys.readouterr().out == (
        "2 packages audited, no known vulnerabilities\n"
        "NOT AUDITED (2 packages):\n"
        "  Django – only the newest release's record is reachable (6.1.3); "
        "5.2.19 could not be checked\n"
        "  in-house-tool – Dependency not found on PyPI and could not be audited: "
        "in-house-tool (1.0)\n"
        "warning: set AUDIT_STRICT=1 to fail on packages that could not be audited\n"
    )


def test_everything_audited_passes_quietly(service, capsys):
    pypi = service({project_url("gunicorn"): record("23.0.0")})

    code = audit.run(pypi, FakeSource(dep("gunicorn", "23.0.0"), EDITABLE_PROJECT), strict=True)

    assert code == 0
    assert capsys.readouterr().out == "1 packages audited, no known vulnerabilities\n"


@pytest.mark.parametrize(("strict", "code"), [("1", 1), ("", 0), (None, 0)])
def test_audit_strict_fails_on_packages_that_could_not_be_audited(
    service, monkeypatch, capsys, strict, code
):
    pypi = service({project_url("django"): record("6.1.3")})
    sources = []

    def pip_source(**options):
        sources.append(options)
        return FakeSource(dep("Django", "5.2.19"), EDITABLE_PROJECT)

    monkeypatch.setattr(audit, "PipSource", pip_source)
    monkeypatch.setattr(audit, "NewestReleaseFallback", lambda **options: pypi)
    if strict is None:
        monkeypatch.delenv("AUDIT_STRICT", raising=False)
    else:
        monkeypatch.setenv("AUDIT_STRICT", strict)

    assert audit.main() == code
    assert sources == [{"skip_editable": True}]
    out = capsys.readouterr().out
    assert "0 packages audited, no known vulnerabilities\nNOT AUDITED (1 package):\n" in out
    assert ("failed: AUDIT_STRICT=1" in out) == (code == 1)
    assert ("warning: set AUDIT_STRICT=1" in out) == (code == 0)


def test_the_editable_project_is_skipped_with_the_reason_the_summary_leaves_out():
    collected = audit.PipSource(skip_editable=True).collect()
    project = next(found for found in collected if found.canonical_name == "reifegrad")

    assert project == EDITABLE_PROJECT
