"""French formats shared by every template: `{% load formatting %}`."""

from django import template

register = template.Library()

NARROW_NBSP = "\u202f"  # French thousands separator
NBSP = "\u00a0"


@register.filter
def integer(number):
    """1000 -> "1 000" (French thousands separator)."""
    if number is None or number == "":
        return "—"
    return f"{int(number):,}".replace(",", NARROW_NBSP)


@register.filter
def euros(cents):
    """1234567 -> "12 345,67 €" (money is stored in cents)."""
    if cents is None or cents == "":
        return "—"
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    units, hundredths = divmod(abs(cents), 100)
    return f"{sign}{integer(units)},{hundredths:02d}{NBSP}€"


@register.filter
def filesize(size):
    """Bytes in French units: "1,5 Mo"."""
    if size is None:
        return "—"
    for unit in ("octets", "Ko", "Mo", "Go"):
        if size < 1024 or unit == "Go":
            break
        size /= 1024
    text = f"{size:.0f}" if unit == "octets" or size >= 100 else f"{size:.1f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')}{NBSP}{unit}"
