import io

import pytest
from django.core.management.base import OutputWrapper

from ops.progress import ProgressBar, format_duration, progress


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_log_mode_prints_a_line_every_few_seconds_and_a_summary():
    out, clock = io.StringIO(), FakeClock()
    with progress(out, "Messages", 1000, clock=clock) as bar:
        clock.now = 1
        bar.advance(100)  # too soon: nothing printed
        assert out.getvalue() == ""
        clock.now = 6
        bar.advance(200)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Messages : 300 / 1 000 ·  30.0 % · 50 lignes/s · reste 14 s"
    assert lines[1] == "Messages : 300 en 6 s (50 lignes/s)"
    assert "\r" not in out.getvalue()


def test_terminal_mode_redraws_one_line():
    out, clock = io.StringIO(), FakeClock()
    with progress(out, "Commandes", 200, terminal=True, clock=clock) as bar:
        clock.now = 1
        bar.advance(100)
        clock.now = 2
        bar.advance(100)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1
    assert "[############............] Commandes : 100 / 200 ·  50.0 %" in text
    assert text.endswith("\rCommandes : 200 en 2 s (100 lignes/s)\033[K\n")


def test_unknown_total_and_django_output_wrapper():
    out, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(OutputWrapper(out), "Fichiers", None, clock=clock)
    clock.now = 10
    bar.advance(5000)
    assert out.getvalue() == "Fichiers : 5 000 · 500 lignes/s\n"


def test_an_error_skips_the_summary():
    out = io.StringIO()
    with pytest.raises(RuntimeError), progress(out, "Factures", 10) as bar:
        bar.advance(1)
        raise RuntimeError
    assert "en" not in out.getvalue()


@pytest.mark.parametrize("seconds, text", [(42, "42 s"), (185, "3 min 05 s"), (3720, "1 h 02 min")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
