import pytest

from core.templatetags.formatting import euros, filesize, integer


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0,00\u00a0€"), (48000, "480,00\u00a0€"), (123456, "1\u202f234,56\u00a0€"), (5, "0,05\u00a0€"),
     (-1999, "-19,99\u00a0€"), (None, "—")],
)
def test_euros_in_french(cents, text):
    assert euros(cents) == text


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512\u00a0octets"), (1536, "1,5\u00a0Ko"), (50 * 1024 * 1024, "50\u00a0Mo"), (3 * 1024**3, "3\u00a0Go")],
)
def test_filesize_in_french(size, text):
    assert filesize(size) == text


@pytest.mark.parametrize(("number", "text"), [(1, "1"), (1000, "1\u202f000"), (1234567, "1\u202f234\u202f567"), (None, "—")])
def test_integer_in_french(number, text):
    assert integer(number) == text
