"""Drive one URL with wrk (Debian's package) and read its figures.

wrk's --latency percentiles come from its HdrHistogram (exact to the
microsecond), so no Lua script is needed for p50/p99.
"""

import re
import shutil
import subprocess

INSTALL_HINT = ("wrk est introuvable : installez-le avec « scripts/system-deps.sh bench » "
                "(ou « make bench », qui le fait), ou « apt-get install wrk ».")
# Requests slower than wrk's default 2 s timeout would be dropped from the latencies.
TIMEOUT = "30s"

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


class WrkError(RuntimeError):
    pass


def require_wrk():
    """The path of wrk, or WrkError with how to install it."""
    path = shutil.which("wrk")
    if not path:
        raise WrkError(INSTALL_HINT)
    return path


def time_ms(text):
    """'812.00us' → 0.812, '1.20s' → 1200.0 (milliseconds)."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"durée illisible : {text!r}")
    return float(match.group(1)) * _TIME_UNITS_MS[match.group(2)]


def size_bytes(text):
    """'5.53MB' → 5798625 (wrk's units are powers of 1024)."""
    match = re.fullmatch(r"([\d.]+)(B|KB|MB|GB|TB)", text.strip())
    if not match:
        raise ValueError(f"taille illisible : {text!r}")
    return round(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


def parse_output(text):
    """The figures of one wrk --latency run: requests/s, p50/p90/p99 (ms),
    requests, bytes read, failed responses (non 2xx/3xx) and socket errors."""
    def search(pattern):
        match = re.search(pattern, text, re.MULTILINE)
        if not match:
            raise ValueError(f"sortie de wrk inattendue (motif {pattern!r} absent) :\n{text}")
        return match

    percentiles = {int(p): time_ms(value) for p, value in re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", text, re.MULTILINE)}
    if not {50, 99} <= percentiles.keys():
        raise ValueError(f"sortie de wrk sans répartition des latences (--latency) :\n{text}")
    totals = search(r"^\s*(\d+) requests in ([\d.]+\w+), (\S+) read")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests_per_second": float(search(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": percentiles[50],
        "p90_ms": percentiles.get(90),
        "p99_ms": percentiles[99],
        "requests": int(totals.group(1)),
        "seconds": time_ms(totals.group(2)) / 1000,
        "bytes_read": size_bytes(totals.group(3)),
        "failed_responses": int(failed.group(1)) if failed else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def run(url, *, headers=(), connections=16, threads=2, duration="10s"):
    """One wrk run against url; returns parse_output's figures."""
    command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency",
               "--timeout", TIMEOUT]
    for header in headers:
        command += ["-H", header]
    result = subprocess.run([*command, url], capture_output=True, text=True)
    if result.returncode != 0:
        raise WrkError(f"wrk a échoué sur {url} : {result.stderr.strip() or result.stdout.strip()}")
    return parse_output(result.stdout)
