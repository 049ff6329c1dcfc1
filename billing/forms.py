import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .gateways import TEST_CARDS


class SimulatorCardForm(forms.Form):
    """The simulator's stand-in for Stripe Elements: one of Stripe's test
    cards. The number goes no further than this form."""

    number = forms.CharField(
        label=_("Numéro de carte"), max_length=23,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "4242 4242 4242 4242"}),
    )
    exp_month = forms.IntegerField(label=_("Mois d'expiration"), min_value=1, max_value=12,
                                   widget=forms.NumberInput(attrs={"placeholder": "MM"}))
    exp_year = forms.IntegerField(label=_("Année d'expiration"), min_value=2000, max_value=2100,
                                  widget=forms.NumberInput(attrs={"placeholder": "AAAA"}))

    def clean_number(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if number not in TEST_CARDS:
            raise ValidationError(_("En mode test, utilisez une des cartes de test indiquées."), code="not_a_test_card")
        return number

    def clean(self):
        cleaned = super().clean()
        month, year = cleaned.get("exp_month"), cleaned.get("exp_year")
        if month and year:
            today = timezone.localdate()
            if (year, month) < (today.year, today.month):
                self.add_error("exp_year", ValidationError(_("Cette carte est expirée."), code="expired"))
            elif year > today.year + 20:
                self.add_error("exp_year", ValidationError(_("Cette année d'expiration n'est pas valable."), code="too_far"))
        return cleaned
