"""Known vulnerabilities in the installed dependencies, by pip-audit.

Fails on any finding. pip-audit passes a package it could not look up (vulnerability
service unreachable, package unknown to it) without a word in its exit code, so this
script lists those and fails on them too when AUDIT_STRICT=1; without it, it warns.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "audit.json"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report_path),
            ],
            check=False,
            capture_output=True,
            text=True,
        )
        if not report_path.exists():
            print(run.stdout + run.stderr)
            print(f"pip-audit failed (exit {run.returncode}) and wrote no report")
            return 1
        report = json.loads(report_path.read_text())
    return summarise(report, strict=os.environ.get("AUDIT_STRICT") == "1")


def summarise(report: dict, *, strict: bool) -> int:
    dependencies = report["dependencies"]
    found = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    unaudited = [dep for dep in skipped if "editable" not in dep["skip_reason"]]
    audited = len(dependencies) - len(skipped)

    for dep in found:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if found:
        return 1

    print(f"{audited} packages audited, no known vulnerabilities")
    if unaudited:
        names = ", ".join(sorted(dep["name"] for dep in unaudited))
        print(
            f"NOT AUDITED ({len(unaudited)} packages, vulnerability service unreachable?): {names}"
        )
        if strict:
            return 1
        print("warning: set AUDIT_STRICT=1 to fail on packages that could not be audited")
    return 0


if __name__ == "__main__":
    sys.exit(main())
