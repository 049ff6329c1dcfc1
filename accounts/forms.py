import re
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.templatetags.formatting import filesize, integer

from .models import User, normalize_email
from .preferences import ALWAYS_SENT, EMAIL_KIND_HELP, EMAIL_KINDS, email_allowed
from .services import user_request_password_reset

# Names that would pass for the team (messages, e-mails). The role shown next
# to every other name is the real safeguard; this refuses the obvious.
RESERVED_NAME_WORDS = {
    "equipe", "team", "staff", "admin", "administrateur", "administratrice", "administration",
    "support", "moderateur", "moderatrice", "moderation", "officiel", "officielle",
}
RESERVED_NAME_MESSAGE = _("Ce nom est réservé à l'équipe Staka Livres : indiquez votre propre nom.")


def is_reserved_name(*parts):
    text = unicodedata.normalize("NFKD", " ".join(p or "" for p in parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[a-z0-9]+", text)
    return "staka" in "".join(words) or any(word in RESERVED_NAME_WORDS for word in words)


class ReservedNameMixin:
    """Refuses a first or last name that would pass for the team."""

    def clean(self):
        cleaned = super().clean()
        if is_reserved_name(cleaned.get("first_name"), cleaned.get("last_name")):
            self.add_error("last_name" if "last_name" in cleaned else "first_name", RESERVED_NAME_MESSAGE)
        return cleaned


phone_validator = RegexValidator(
    r"^\+?[0-9 .\-()]{6,20}$",
    _("Saisissez un numéro de téléphone valide (chiffres, espaces, « + » autorisés)."),
)


# Intra-community VAT number: two letters, then 2 to 13 digits or letters;
# a French one is FR + 2-character key + the 9-digit SIREN.
VAT_NUMBER_RE = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
FRENCH_VAT_NUMBER_RE = re.compile(r"^FR[0-9A-Z]{2}[0-9]{9}$")
FRENCH_POSTCODE_RE = re.compile(r"^[0-9]{5}$")
POSTCODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z \-]{1,9}$")
DEFAULT_COUNTRY = "France"
BILLING_FORM_FIELDS = ["first_name", "last_name", "company", "address", "postcode", "city", "country", "vat_number"]


def is_france(country):
    return (country or "").strip().casefold() == DEFAULT_COUNTRY.casefold()


class BillingAddressMixin:
    """Checks the billing-address fields a ModelForm on User carries."""

    def _setup_billing_fields(self, *, required):
        for name in ("address", "postcode", "city", "country"):
            self.fields[name].required = required
        self.fields["address"].widget = forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"})
        self.fields["address"].help_text = _("Numéro, voie, complément (bâtiment, boîte postale…).")
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["country"].widget.attrs["autocomplete"] = "country-name"
        self.fields["company"].label = _("Société (facultatif)")
        self.fields["company"].widget.attrs["autocomplete"] = "organization"
        self.fields["vat_number"].label = _("N° de TVA intracommunautaire (facultatif)")
        self.fields["vat_number"].help_text = _("Pour une facture au nom d'une entreprise, par exemple FR12345678901.")
        if not self.initial.get("country"):
            self.initial["country"] = DEFAULT_COUNTRY

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].strip().upper()
        if not postcode:
            return postcode
        country = self.data.get(self.add_prefix("country"), "")
        if is_france(country) and not FRENCH_POSTCODE_RE.match(postcode):
            raise forms.ValidationError(_("Un code postal français compte 5 chiffres."), code="postcode")
        if not POSTCODE_RE.match(postcode):
            raise forms.ValidationError(_("Saisissez un code postal valide."), code="postcode")
        return postcode

    def clean_vat_number(self):
        number = re.sub(r"[\s.\-]", "", self.cleaned_data["vat_number"]).upper()
        if not number:
            return number
        if not VAT_NUMBER_RE.match(number) or (number.startswith("FR") and not FRENCH_VAT_NUMBER_RE.match(number)):
            raise forms.ValidationError(
                _("Ce numéro de TVA n'est pas valide : deux lettres de pays puis des chiffres, par exemple FR12345678901."),
                code="vat_number",
            )
        return number


class BillingAddressForm(BillingAddressMixin, ReservedNameMixin, forms.ModelForm):
    """The billing address, asked for on the payment step when it is missing."""

    class Meta:
        model = User
        fields = BILLING_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_billing_fields(required=True)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"


class RegistrationForm(ReservedNameMixin, forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    email = forms.EmailField(label=_("Adresse e-mail"), max_length=255)
    phone = forms.CharField(
        label=_("Téléphone"), max_length=20, required=False, validators=[phone_validator],
        help_text=_("Facultatif : utile si votre correcteur doit vous joindre rapidement."),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 10 caractères, pas uniquement des chiffres, ni trop proche de votre nom."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que Staka Livres traite mes données pour gérer mon compte et mes commandes, "
            "comme le décrit sa politique de confidentialité (RGPD)."
        ),
        error_messages={"required": _("Votre consentement est nécessaire pour créer un compte.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The pages are cms pages at stable URLs (a URL name, not an import).
        # Links go under the label: a click on one must not tick the box.
        self.fields["consent"].help_text = format_html(
            gettext(
                '<a href="{privacy}" target="_blank" rel="noopener noreferrer">Lire la politique de confidentialité '
                '(nouvel onglet)</a>. Vos commandes suivent nos <a href="{terms}" target="_blank" '
                'rel="noopener noreferrer">conditions générales de vente (nouvel onglet)</a>.'
            ),
            privacy=reverse("cms:privacy"), terms=reverse("cms:terms"),
        )

    def clean_email(self):
        # Whether the address has an account is never said here (no
        # enumeration): user_register e-mails the owner instead.
        return normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif password1:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse e-mail"), max_length=255,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
        "inactive": _(
            "Votre compte n'est pas encore activé : cliquez sur le lien reçu par e-mail "
            "ou demandez un nouveau lien d'activation."
        ),
        "deactivated": _("Ce compte est désactivé. Écrivez-nous pour le réactiver."),
    }
    # The refusal is about both fields: screen readers read it on each (core.forms).
    fields_described_by_form_errors = ("username", "password")

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            self._explain_inactive_account()
            raise

    def _explain_inactive_account(self):
        """Say why a correct password was refused — and only then, so the
        answer never tells whether an unknown e-mail has an account. The
        backend checked the password already (accounts.auth.EmailBackend):
        no second hash, so every refusal costs the same."""
        user = getattr(self.request, "inactive_account_with_right_password", None)
        if user is None:
            return
        code = "inactive" if user.email_verified_at is None else "deactivated"
        raise forms.ValidationError(self.error_messages[code], code=code)


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"), max_length=255)

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form; the lookup and the e-mail happen in a task after
    the request (same cost for a known or unknown address), the link is made
    at send time on SITE_URL, never stored (accounts.emails)."""

    email = forms.EmailField(label=_("Adresse e-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def save(self, **kwargs):
        user_request_password_reset(email=self.cleaned_data["email"], request=kwargs.get("request"))


class ProfileForm(BillingAddressMixin, ReservedNameMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [*BILLING_FORM_FIELDS, "phone", "bio", "avatar"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "avatar": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Optional here; the payment step asks for what an invoice needs.
        self._setup_billing_fields(required=False)
        self.fields["phone"].validators.append(phone_validator)
        # The limits stated are the ones enforced (the model's, the setting's).
        self.fields["bio"].help_text = _(
            "Quelques mots sur vous et vos projets d'écriture (%(count)s caractères au plus)."
        ) % {"count": integer(User._meta.get_field("bio").max_length)}
        self.fields["avatar"].help_text = _("JPEG, PNG ou WebP, %(size)s au plus.") % {
            "size": filesize(settings.AVATAR_MAX_BYTES)
        }
        self.fields["avatar"].error_messages["invalid_image"] = _(
            "Ce fichier n'est pas une image valide (JPEG, PNG ou WebP)."
        )

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        # Only a new upload has `.image`; the stored one was checked already.
        image = getattr(avatar, "image", None)
        if image is None:
            return avatar
        if avatar.size > settings.AVATAR_MAX_BYTES:
            raise forms.ValidationError(
                _("L'image dépasse la taille maximale de %(size)s.") % {"size": filesize(settings.AVATAR_MAX_BYTES)}
            )
        # Pillow read the content: the format is what the bytes are, not the name.
        if image.format not in self.ALLOWED_IMAGE_FORMATS:
            raise forms.ValidationError(_("Format d'image refusé : utilisez JPEG, PNG ou WebP."))
        return avatar


class NotificationPreferencesForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, _default in EMAIL_KINDS:
            self.fields[key] = forms.BooleanField(
                label=label, required=False, initial=email_allowed(user, key), help_text=EMAIL_KIND_HELP.get(key, ""),
                disabled=key in ALWAYS_SENT,  # a posted "off" is ignored: the box stays checked
            )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe actuel"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."), code="wrong_password")
        return password


class DeleteAccountForm(PasswordConfirmForm):
    CONFIRMATION_WORD = "SUPPRIMER"
    confirmation = forms.CharField(
        label=_("Tapez %(word)s pour confirmer") % {"word": CONFIRMATION_WORD}, max_length=20,
    )

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value != self.CONFIRMATION_WORD:
            raise forms.ValidationError(
                _("Tapez exactement « %(word)s » pour confirmer la suppression.") % {"word": self.CONFIRMATION_WORD}
            )
        return value
