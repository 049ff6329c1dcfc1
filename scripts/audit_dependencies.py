#!/usr/bin/env python3
"""Dependency audit for CI (.ci/run): pip-audit on the pinned requirements.

Three outcomes, one line each:
- "dependency audit: clean (N packages)": every pin was checked, no advisory;
- "dependency audit: VULNERABLE ...": advisories found, exit status 1;
- "dependency audit: not audited (...)": the advisory source (PyPI's JSON
  API, which carries the OSV advisories) could not be reached or did not know
  some pins. pip-audit itself then says "No known vulnerabilities found":
  we never call that clean. Exit status 0: an unreachable source must not
  fail the build, but the log says plainly that nothing was checked.

Usage: audit_dependencies.py [requirements.txt] (pip-audit from the venv).
"""

import json
import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 120
ROOT = Path(__file__).resolve().parent.parent


def run_pip_audit(requirements):
    pip_audit = ROOT / ".venv" / "bin" / "pip-audit"
    command = [
        str(pip_audit) if pip_audit.exists() else "pip-audit",
        "--requirement", str(requirements), "--no-deps", "--disable-pip",
        "--format", "json", "--progress-spinner", "off", "--timeout", "10",
    ]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)  # noqa: S603 — our own command line
    except subprocess.TimeoutExpired:
        return None, f"pip-audit still running after {TIMEOUT_SECONDS}s"
    except OSError as error:
        return None, f"pip-audit could not start: {error}"
    try:
        return json.loads(completed.stdout), None
    except json.JSONDecodeError:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"pip-audit failed: {last_line[:200]}"


def verdict(report, error=None):
    """(exit status, the line to print) for pip-audit's JSON report."""
    if report is None:
        return 0, f"dependency audit: not audited ({error})"
    dependencies = report.get("dependencies", [])
    skipped = [dep["name"] for dep in dependencies if dep.get("skip_reason")]
    vulnerable = [
        f"{dep['name']} {dep.get('version', '')}: {', '.join(v['id'] for v in dep['vulns'])}"
        for dep in dependencies if dep.get("vulns")
    ]
    if vulnerable:
        line = "dependency audit: VULNERABLE — " + "; ".join(vulnerable)
        if skipped:
            line += f" (and {len(skipped)} package(s) not audited: {', '.join(skipped)})"
        return 1, line
    if skipped or not dependencies:
        reason = f"advisory source unreachable or unaware of {len(skipped)} of {len(dependencies)} package(s)"
        return 0, f"dependency audit: not audited ({reason}: {', '.join(skipped[:5])}{'…' if len(skipped) > 5 else ''})"
    return 0, f"dependency audit: clean ({len(dependencies)} packages)"


def main(argv):
    requirements = Path(argv[1]) if len(argv) > 1 else ROOT / "requirements.txt"
    status, line = verdict(*run_pip_audit(requirements))
    print(line)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
