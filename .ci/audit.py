"""Known vulnerabilities in the installed dependencies, looked up in PyPI's records.

Every package installed in this Python environment – except the project itself, which is
installed editable – is checked with pip-audit against PyPI's vulnerability records, and any
finding fails the run.

pip-audit asks PyPI for the record of exactly the installed release. Where PyPI answers that
per-release record with "not found" (on some networks it does so for every package, and OSV,
pip-audit's other source, cannot be reached), the package's general record is asked instead.
Its vulnerability list is the one of the package's newest release, so it is used only when the
installed version is that newest release. A package that is not at its newest release cannot
be checked that way; it is listed as not audited, like a package PyPI does not know at all.
Packages that could not be audited give a warning; with AUDIT_STRICT=1 they fail the run.
If PyPI cannot be reached, the run fails.
"""

import copy
import os
import sys
from typing import cast

import requests
from packaging.version import InvalidVersion, Version
from pip_audit._audit import AuditOptions, Auditor
from pip_audit._dependency_source import DependencySource, DependencySourceError, PipSource
from pip_audit._service import (
    ConnectionError,
    Dependency,
    PyPIService,
    ResolvedDependency,
    ServiceError,
    SkippedDependency,
    VulnerabilityResult,
)

TIMEOUT_SECONDS = 30
EDITABLE = "distribution marked as editable"  # PipSource's reason for skipping the project

Results = list[tuple[Dependency, list[VulnerabilityResult]]]


class NewestReleaseFallback(PyPIService):
    """pip-audit's PyPI service, falling back to the newest release's record on "not found"."""

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if spec.is_skipped():
            return spec, []
        try:
            dep, vulns = super().query(spec)
            if not dep.is_skipped():
                return dep, vulns
            # PyPIService skips a package only when its per-release record is not found.
            return self._query_newest_release(cast(ResolvedDependency, spec), not_found=dep)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ConnectionError(f"Could not connect to PyPI: {error}") from error
        except requests.RequestException as error:
            raise ServiceError(f"Unexpected answer from PyPI: {error}") from error

    def _query_newest_release(
        self, spec: ResolvedDependency, *, not_found: Dependency
    ) -> tuple[Dependency, list[VulnerabilityResult]]:
        url = f"https://pypi.org/pypi/{spec.canonical_name}/json"
        response = self.session.get(url=url, timeout=self.timeout)
        if response.status_code == 404:
            return not_found, []
        response.raise_for_status()

        newest = response.json()["info"]["version"]
        try:
            is_newest = Version(newest) == spec.version
        except InvalidVersion:
            is_newest = False
        if not is_newest:
            reason = (
                f"only the newest release's record is reachable ({newest}); "
                f"{spec.version} could not be checked"
            )
            return SkippedDependency(name=spec.name, skip_reason=reason), []

        # The general record lists its vulnerabilities in the same form as a per-release
        # record: let PyPIService read them, answering its request with this response.
        reader = copy.copy(self)
        reader.session = _Answer(response)
        return PyPIService.query(reader, spec)


class _Answer:
    """Stands in for an HTTP session and answers every request with one response."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response

    def get(self, url: str, timeout: float | None = None) -> requests.Response:
        return self.response


def run(service: PyPIService, source: DependencySource, *, strict: bool) -> int:
    try:
        results = list(Auditor(service, options=AuditOptions()).audit(source))
    except DependencySourceError as error:
        print(f"audit failed: could not list the installed packages ({error})")
        return 1
    except ServiceError as error:
        detail = str(error) or str(error.__cause__)
        print(f"audit failed: PyPI's vulnerability records could not be read ({detail})")
        return 1
    return summarise(results, strict=strict)


def summarise(results: Results, *, strict: bool) -> int:
    found = [(dep, vulns) for dep, vulns in results if vulns]
    skipped = [dep for dep, _ in results if dep.is_skipped()]
    unaudited = [dep for dep in skipped if dep.skip_reason != EDITABLE]
    audited = len(results) - len(skipped)

    for dep, vulns in found:
        # pip-audit can keep two entries that name each other under one PYSEC id: print it once.
        for vuln in {vuln.id: vuln for vuln in vulns}.values():
            fixed = ", ".join(str(version) for version in vuln.fix_versions)
            fix = f"fixed in {fixed}" if fixed else "no fix yet"
            print(f"VULNERABLE {dep.name} {dep.version}: {vuln.id} ({fix})")
    if not found:
        print(f"{audited} packages audited, no known vulnerabilities")
    if unaudited:
        count = len(unaudited)
        print(f"NOT AUDITED ({count} package{'' if count == 1 else 's'}):")
        for dep in sorted(unaudited, key=lambda dep: dep.canonical_name):
            print(f"  {dep.name} – {dep.skip_reason}")
    if found:
        return 1
    if unaudited:
        if strict:
            print("failed: AUDIT_STRICT=1 and not every package could be audited")
            return 1
        print("warning: set AUDIT_STRICT=1 to fail on packages that could not be audited")
    return 0


def main() -> int:
    service = NewestReleaseFallback(timeout=TIMEOUT_SECONDS)
    source = PipSource(skip_editable=True)
    return run(service, source, strict=os.environ.get("AUDIT_STRICT") == "1")


if __name__ == "__main__":
    sys.exit(main())
