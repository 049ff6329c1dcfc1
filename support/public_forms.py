"""The public request forms: contact, free sample, consultation booking.

Each one has a required RGPD consent, a honeypot field that people never see
and bots fill, and a signed one-time submission key (a double submit makes
one ticket, one booking).
"""

import uuid
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import phone_validator
from core.templatetags.formatting import filesize
from files.validation import MANUSCRIPT_KINDS, accept_attribute, accepted_types_label, validate_upload
from orders.selectors import active_services

from .consultation import paris

SUBMISSION_SALT = "support.public_forms.submission"
SUBMISSION_MAX_AGE = timedelta(days=2)
HONEYPOT = "website"


def submission_key_new():
    return signing.dumps(uuid.uuid4().hex, salt=SUBMISSION_SALT)


def submission_key_read(signed):
    """The key inside a signed value, or None (forged, expired, missing)."""
    try:
        return signing.loads(str(signed or ""), salt=SUBMISSION_SALT, max_age=SUBMISSION_MAX_AGE)
    except signing.BadSignature:
        return None


def _consent_label():
    return format_html(
        '{} <a href="{}">{}</a>.',
        _("J'accepte que Staka Livres traite ces informations pour répondre à ma demande, conformément à la"),
        reverse_lazy("cms:privacy"),
        _("politique de confidentialité"),
    )


class PublicRequestForm(forms.Form):
    """Who is asking, consent, honeypot and the submission key."""

    name = forms.CharField(label=_("Nom"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label=_("Téléphone"), max_length=20, required=False, validators=[phone_validator],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    consent = forms.BooleanField(
        label=lazy(_consent_label, str)(),
        error_messages={"required": _("Votre accord est nécessaire pour que nous puissions vous répondre.")},
    )
    # Filled only by robots: hidden from people and screen readers (its own template).
    website = forms.CharField(
        label=_("Ne remplissez pas ce champ"), required=False,
        template_name="support/public/honeypot_field.html",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    submission = forms.CharField(required=False, widget=forms.HiddenInput)

    # Ids of their own: the landing page shows two of these forms.
    auto_id_prefix = "public"

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("auto_id", f"{self.auto_id_prefix}_%s")
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if not self.is_bound:
            self.initial["submission"] = submission_key_new()
            if self.user is not None:
                self.initial.update(name=self.user.get_full_name(), email=self.user.email,
                                    phone=getattr(self.user, "phone", ""))
        # Messages need the fields first, the consent and the honeypot last.
        self.order_fields([*self.field_order_first, "consent", HONEYPOT])

    field_order_first = ["name", "email", "phone"]

    @property
    def is_spam(self):
        """A robot filled the honeypot (read before is_valid: its answer looks like success)."""
        return bool(str(self.data.get(self.add_prefix(HONEYPOT), "")).strip())

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Indiquez votre nom."))
        return name

    def clean_submission(self):
        key = submission_key_read(self.cleaned_data.get("submission"))
        if key is None:
            # Sent again, the form carries a fresh key.
            self.data = self.data.copy()
            self.data[self.add_prefix("submission")] = submission_key_new()
            self.add_error(None, _("Ce formulaire a expiré : vérifiez vos informations et envoyez-le à nouveau."))
        return key


class ContactForm(PublicRequestForm):
    auto_id_prefix = "contact"
    subject = forms.CharField(label=_("Objet"), max_length=200)
    message = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    field_order_first = ["name", "email", "phone", "subject", "message"]


class FreeSampleForm(PublicRequestForm):
    auto_id_prefix = "sample"
    service = forms.ModelChoiceField(
        label=_("Service souhaité"), queryset=active_services(), empty_label=_("Choisissez un service"),
        error_messages={"required": _("Choisissez le service qui vous intéresse."),
                        "invalid_choice": _("Ce service n'est pas proposé.")},
    )
    message = forms.CharField(
        label=_("Votre projet"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Genre, public visé, ce qui compte pour vous."),
    )
    sample = forms.FileField(
        label=_("Extrait de votre manuscrit"),
        error_messages={"required": _("Joignez un extrait de votre manuscrit.")},
        widget=forms.ClearableFileInput(attrs={"accept": accept_attribute(MANUSCRIPT_KINDS)}),
    )
    field_order_first = ["name", "email", "phone", "service", "message", "sample"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pages = settings.FREE_SAMPLE_MAX_PAGES
        self.fields["sample"].help_text = " ".join([
            ngettext("Jusqu'à %(count)s page.", "Jusqu'à %(count)s pages.", pages) % {"count": pages},
            _("%(types)s ; %(size)s au plus.") % {
                "types": accepted_types_label(MANUSCRIPT_KINDS), "size": filesize(settings.FREE_SAMPLE_MAX_BYTES)},
        ])

    def clean_sample(self):
        upload = self.cleaned_data["sample"]
        if upload.size > settings.FREE_SAMPLE_MAX_BYTES:
            raise ValidationError(_("Le fichier dépasse %(size)s : envoyez un extrait plus court.")
                                  % {"size": filesize(settings.FREE_SAMPLE_MAX_BYTES)})
        # By its content: a renamed executable or an HTML page is refused.
        validate_upload(uploaded_file=upload, allowed=MANUSCRIPT_KINDS, user=None)
        return upload


class SlotField(forms.CharField):
    """A slot start sent by the calendar's radio buttons, as an ISO datetime;
    cleaned to an aware datetime. Whether it is free is the service's call."""

    default_error_messages = {"invalid": _("Choisissez un créneau dans le calendrier.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=paris())
        return moment


class ConsultationForm(PublicRequestForm):
    auto_id_prefix = "consultation"
    # Rendered as the calendar (days → free slots as radio buttons): give the
    # form its ``calendar`` (support.consultation.consultation_calendar).
    slot = SlotField(
        label=_("Créneau"), template_name="support/public/slot_field.html",
        error_messages={"required": _("Choisissez un créneau dans le calendrier.")},
    )
    topic = forms.CharField(
        label=_("Sujet de la consultation"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Votre projet en quelques lignes : nous préparerons l'échange."),
    )
    field_order_first = ["slot", "name", "email", "phone", "topic"]

    @property
    def slot_minutes(self):
        return settings.CONSULTATION_SLOT_MINUTES

    def __init__(self, *args, calendar=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar = calendar

    def days(self):
        """(day, free slots, open?) for the days that have a free slot: the
        first one opens, and the one holding the slot chosen before an error."""
        chosen = self.chosen_slot()
        days = [(day, slots) for day, slots in self.calendar if slots]
        return [
            (day, slots, index == 0 if not chosen else any(slot.isoformat() == chosen for slot in slots))
            for index, (day, slots) in enumerate(days)
        ]

    def chosen_slot(self):
        """The slot the form came back with (an error elsewhere), as sent."""
        return str(self.data.get(self.add_prefix("slot"), "")) if self.is_bound else ""
