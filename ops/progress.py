"""A small progress reporter for the long ops commands (fake data, legacy
import, backup)::

    with progress(self.stdout, "Messages", total=1_000_000) as bar:
        for batch in batches:
            write(batch)
            bar.advance(len(batch))

On a terminal it redraws one line (``\\r``) with the count, the percentage,
rows/s and the time left; anywhere else (CI logs, a file, a pipe) it prints a
plain line every few seconds, so a log stays readable. Either way a last line
gives the total and the mean rate. ``total`` may be ``None`` when unknown
(no percentage nor time left then).

``stdout`` is a Django ``OutputWrapper`` (``self.stdout`` of a command) or any
text stream.
"""

import time
from contextlib import contextmanager

# A terminal line is redrawn at most this often: redrawing on every row would
# cost more than the work on a fast loop.
TERMINAL_REFRESH = 0.2
# In a log, one line every few seconds says "still alive" without flooding it.
LOG_INTERVAL = 5.0


def format_duration(seconds):
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_count(number):
    """French thousands separator (a narrow space would not survive every
    terminal; a plain one does)."""
    return f"{number:,}".replace(",", " ")


def _is_terminal(stdout):
    stream = getattr(stdout, "_out", stdout)  # Django's OutputWrapper wraps the real stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressBar:
    def __init__(self, stdout, label, total=None, *, terminal=None, clock=time.monotonic):
        self.stdout = stdout
        self.label = label
        self.total = total
        self.done = 0
        self.terminal = _is_terminal(stdout) if terminal is None else terminal
        self._clock = clock
        self.started = clock()
        self._last_shown = self.started
        self.elapsed = 0.0

    @property
    def rate(self):
        """Rows per second so far (0 before any time has passed)."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def advance(self, count=1):
        self.done += count
        now = self._clock()
        self.elapsed = now - self.started
        interval = TERMINAL_REFRESH if self.terminal else LOG_INTERVAL
        if now - self._last_shown >= interval:
            self._last_shown = now
            self._show()

    def line(self):
        parts = [f"{self.label} : {format_count(self.done)}"]
        if self.total:
            parts[0] += f" / {format_count(self.total)}"
            parts.append(f"{100 * self.done / self.total:5.1f} %")
        parts.append(f"{format_count(int(self.rate))} lignes/s")
        if self.total and self.rate and self.done < self.total:
            parts.append(f"reste {format_duration((self.total - self.done) / self.rate)}")
        return " · ".join(parts)

    def _show(self):
        if self.terminal:
            self._write("\r" + self._bar() + self.line() + "\033[K", ending="")
        else:
            self._write(self.line())

    def _bar(self, width=24):
        if not self.total:
            return ""
        filled = min(width, width * self.done // self.total)
        return "[" + "#" * filled + "." * (width - filled) + "] "

    def finish(self):
        self.elapsed = self._clock() - self.started
        summary = (f"{self.label} : {format_count(self.done)} en {format_duration(self.elapsed)}"
                   f" ({format_count(int(self.rate))} lignes/s)")
        self._write(("\r" + summary + "\033[K") if self.terminal else summary)

    def _write(self, text, ending="\n"):
        # OutputWrapper.write takes ``ending``; a plain stream does not.
        if hasattr(self.stdout, "style_func"):
            self.stdout.write(text, ending=ending)
        else:
            self.stdout.write(text + ending)
        self.stdout.flush()


@contextmanager
def progress(stdout, label, total=None, **options):
    """Report progress on ``label`` while the block runs; the closing line is
    written only when the block succeeds (an error speaks for itself)."""
    bar = ProgressBar(stdout, label, total, **options)
    try:
        yield bar
    except BaseException:
        if bar.terminal and bar.done:
            bar._write("")  # leave the redrawn line so the traceback starts on its own
        raise
    bar.finish()
