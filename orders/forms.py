import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import RegistrationForm
from accounts.models import User
from core.forms import MultipleFileField
from core.registry import current_terms
from core.templatetags.formatting import filesize, integer
from files.validation import MANUSCRIPT_KINDS, check_quota, validate_upload

from . import pricing, selectors
from .models import OrderRating, Service
from .pending_uploads import pending_upload_keep, pending_upload_open, pending_upload_read, pending_uploads_discard
from .services import order_terms_missing_message, order_terms_to_accept

MAX_KEPT_FILES = 20

# The order form's one-time submission key: a double click, a second tab or
# a resent request with the same key makes one order (orders.services). Signed,
# so a browser cannot choose it; valid for a week, less than the 30 days the
# outbox keeps a visitor's queued row (its record of the key) once done.
SUBMISSION_SALT = "orders.order_form.submission"
SUBMISSION_MAX_AGE = timedelta(days=7)


def order_form_submission_key():
    """A fresh signed key, rendered with each new order form."""
    return signing.dumps(uuid.uuid4().hex, salt=SUBMISSION_SALT)


def order_form_submission_read(signed):
    """The key inside a signed value, or None (forged, expired, missing)."""
    try:
        return signing.loads(str(signed or ""), salt=SUBMISSION_SALT, max_age=SUBMISSION_MAX_AGE)
    except signing.BadSignature:
        return None


class ManuscriptUploadMixin:
    """Checks each uploaded manuscript by its content before anything is stored."""

    def clean_uploads(self, field_name, *, user):
        uploads = self.cleaned_data.get(field_name) or []
        user = user if user.is_authenticated else None  # a visitor's account is new: no quota used
        for upload in uploads:
            try:
                validate_upload(uploaded_file=upload, allowed=MANUSCRIPT_KINDS, user=user)
            except ValidationError as error:
                raise ValidationError(
                    _("« %(name)s » : %(error)s") % {"name": upload.name, "error": " ".join(error.messages)}
                ) from error
        return uploads


def pages_range_error():
    """The one message for a page count out of bounds: "entre 1 et 1 000 pages"."""
    return _("Indiquez entre %(min)s et %(max)s pages.") % {
        "min": integer(pricing.MIN_PAGES), "max": integer(pricing.MAX_PAGES),
    }


def clean_page_count(pages):
    if pages is not None and not pricing.MIN_PAGES <= pages <= pricing.MAX_PAGES:
        raise ValidationError(pages_range_error(), code="pages_range")
    return pages


def page_count_widget():
    # The bounds are checked on the server (clean_page_count); the attributes
    # only help phones and screen readers.
    return forms.NumberInput(attrs={"inputmode": "numeric", "min": pricing.MIN_PAGES, "max": pricing.MAX_PAGES})


class QuoteForm(forms.Form):
    """The inputs of a price: shared by the calculator and the order form."""

    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), empty_label=None)
    declared_pages = forms.IntegerField(label=_("Nombre de pages"), required=False)
    urgent = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = selectors.active_services()
        # Texts built per form, from the constants that set the price.
        pages = self.fields["declared_pages"]
        pages.widget = page_count_widget()
        pages.help_text = " ".join([
            _("1 page = %(words)s mots.") % {"words": integer(pricing.WORDS_PER_PAGE)},
            ngettext("La première page est offerte.", "Les %(count)s premières pages sont offertes.",
                     pricing.FREE_PAGES) % {"count": integer(pricing.FREE_PAGES)},
        ])
        self.fields["urgent"].label = _("Livraison urgente (+%(percent)s %%, délai divisé par deux)") % {
            "percent": pricing.URGENT_SURCHARGE_PERCENT
        }

    def clean_declared_pages(self):
        return clean_page_count(self.cleaned_data.get("declared_pages"))

    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service")
        if service and service.is_per_page and not cleaned.get("declared_pages") and "declared_pages" not in self.errors:
            self.add_error("declared_pages", _("Indiquez le nombre de pages de votre manuscrit."))
        return cleaned

    def quote(self):
        data = self.cleaned_data
        return pricing.quote_for(service=data["service"], pages=data.get("declared_pages"), urgent=data["urgent"])

    def quote_context(self):
        """The quote panel (orders/_quote.html) of this form once bound: the
        price, or the errors of the price's own fields and no price."""
        if not self.is_bound:
            return {"quote": None}
        self.is_valid()  # an order form's other fields do not hide the price
        errors = [error for name in ("service", "declared_pages", "urgent") for error in self.errors.get(name, [])]
        if errors:
            return {"quote": None, "quote_errors": errors}
        data = self.cleaned_data
        return {"quote": self.quote(), "quote_service": data["service"], "quote_pages": data.get("declared_pages")}

    @staticmethod
    def example_data(services):
        """The calculator's first figures, priced at once: the standard service
        (else the first of ``services``) for the public example's page count."""
        example = selectors.standard_service() or (services[0] if services else None)
        return {"service": example.pk, "declared_pages": pricing.EXAMPLE_PAGES} if example else None


class OrderForm(ManuscriptUploadMixin, QuoteForm):
    title = forms.CharField(label=_("Titre du manuscrit"), max_length=255)
    description = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Genre, public visé, ce qui compte pour vous."),
    )
    wished_deadline = forms.DateField(
        label=_("Échéance souhaitée"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Facultatif : nous vous dirons si elle peut être tenue."),
    )
    client_note = forms.CharField(
        label=_("Consignes pour le correcteur"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
    )
    manuscripts = MultipleFileField(
        label=_("Manuscrit(s)"),
        error_messages={"required": _("Joignez votre manuscrit.")},
    )
    # Signed tokens of manuscripts already received when the form came back
    # with an error elsewhere (orders.pending_uploads).
    kept_manuscripts = forms.CharField(required=False, widget=forms.HiddenInput)
    submission = forms.CharField(required=False, widget=forms.HiddenInput)
    field_order = ["service", "title", "declared_pages", "urgent", "wished_deadline", "description", "client_note", "manuscripts"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["manuscripts"].help_text = _(
            "PDF, Word, OpenDocument, RTF, texte, EPUB ou ZIP de ces formats ; %(size)s au plus par fichier."
        ) % {"size": filesize(settings.FILE_UPLOAD_MAX_BYTES)}
        self.kept = []  # (storage key, original name)
        self.kept_uploads_used = False
        if not self.is_bound:
            self.initial["submission"] = order_form_submission_key()
        if self.is_bound:
            tokens = str(self.data.get(self.add_prefix("kept_manuscripts"), "")).split()[:MAX_KEPT_FILES]
            self.kept = [kept for kept in map(pending_upload_read, tokens) if kept]
        if self.kept:
            self._show_kept()

    def _show_kept(self):
        field = self.fields["manuscripts"]
        field.required = False
        names = ", ".join(name for _key, name in self.kept)
        field.help_text = ngettext(
            "Fichier déjà reçu : %(names)s. Choisissez un fichier seulement pour le remplacer.",
            "Fichiers déjà reçus : %(names)s. Choisissez un fichier seulement pour les remplacer.",
            len(self.kept),
        ) % {"names": names}
        self["manuscripts"].help_text = field.help_text  # the bound field copied it when first used

    def keep_uploads(self):
        """After an error elsewhere: keep the manuscripts that passed their
        checks, so the visitor need not choose them again."""
        uploads = getattr(self, "cleaned_data", {}).get("manuscripts")
        if not uploads or self.kept_uploads_used:
            return
        tokens = [pending_upload_keep(upload) for upload in uploads]
        self.kept = [pending_upload_read(token) for token in tokens]
        self.data = self.data.copy()
        self.data[self.add_prefix("kept_manuscripts")] = " ".join(tokens)
        self._show_kept()

    def discard_kept(self):
        """The order now holds its own copies: the kept files go on commit."""
        if self.kept:
            pending_uploads_discard([key for key, _name in self.kept])

    def clean_submission(self):
        key = order_form_submission_read(self.cleaned_data.get("submission"))
        if key is None:
            # Sent again, the form carries a fresh key (and the manuscripts kept).
            self.data = self.data.copy()
            self.data[self.add_prefix("submission")] = order_form_submission_key()
            self.add_error(None, _("Ce formulaire a expiré : vérifiez vos informations et envoyez-le à nouveau."))
        return key

    def clean_wished_deadline(self):
        deadline = self.cleaned_data.get("wished_deadline")
        if deadline and deadline <= timezone.localdate():
            raise ValidationError(_("L'échéance souhaitée doit être dans le futur."))
        return deadline

    def clean_manuscripts(self):
        uploads = self.clean_uploads("manuscripts", user=self.user)
        if uploads:
            self._check_visitor_quota(uploads)
        if uploads or not self.kept:
            return uploads
        # Checked by content when received; the quota is counted again.
        kept = [pending_upload_open(key, name) for key, name in self.kept]
        self._check_visitor_quota(kept)
        if self.user.is_authenticated:
            check_quota(user=self.user, adding=sum(upload.size for upload in kept))
        self.kept_uploads_used = True
        return kept

    def _check_visitor_quota(self, uploads):
        """A visitor's account is created after the request (orders.services):
        its small quota is checked here, on the manuscripts alone."""
        if not self.user.is_authenticated:
            check_quota(user=User(is_active=False), adding=sum(upload.size for upload in uploads))


class OrderTermsForm(forms.Form):
    """The CGV box of the order form (clients and visitors alike), shown just
    above the submit button. It carries the number of the version it showed:
    if a newer one is published before the form comes back, the form is
    refused (orders.services.order_terms_to_accept) and shows the new one,
    box unticked. ``accepted`` is the revision accepted once valid."""

    accept = forms.BooleanField(
        error_messages={"required": _("Cochez la case pour accepter les conditions générales de vente.")},
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "terms")
        super().__init__(*args, **kwargs)
        self.current = current_terms()
        self.accepted = None
        self.closed_message = order_terms_missing_message() if self.current is None else ""
        if self.current is None:
            del self.fields["accept"]  # nothing to accept: clean() says why ordering is closed
            return
        number = self.current.number
        self.initial["version"] = number
        self.fields["accept"].label = _(
            "J'ai lu et j'accepte les conditions générales de vente (version %(number)s)"
        ) % {"number": number}
        # The link sits under the label, not in it: a click on it must not tick
        # the box, and the error summary repeats the label inside its own link.
        self.fields["accept"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
            reverse("cms:terms_version", args=[number]),
            _("Lire les conditions générales de vente, version %(number)s (nouvel onglet)") % {"number": number},
        )

    def clean(self):
        cleaned = super().clean()
        try:
            self.accepted = order_terms_to_accept(shown_version=cleaned.get("version"))
        except ValidationError as error:
            if error.code == "terms_outdated":
                # Shown again with the new version, to be read and accepted anew.
                self.data = self.data.copy()
                self.data[self.add_prefix("version")] = self.current.number
                self.data.pop(self.add_prefix("accept"), None)
                self.errors.pop("accept", None)
                self.add_error("accept", error)
            else:
                self.add_error(None, error)
        return cleaned


class FileUploadForm(ManuscriptUploadMixin, forms.Form):
    files = MultipleFileField(label=_("Fichier(s)"), error_messages={"required": _("Choisissez un fichier.")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_files(self):
        return self.clean_uploads("files", user=self.user)


class RevisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Ce qui doit être revu"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Expliquez ce que le correcteur doit revoir.")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CorrectorNoteForm(forms.Form):
    corrector_note = forms.CharField(
        label=_("Note privée (jamais montrée au client)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    corrector = forms.ModelChoiceField(
        label=_("Correcteur"), queryset=User.objects.filter(role=User.Role.CORRECTOR, is_active=True).order_by("last_name"),
        error_messages={"invalid_choice": _("Choisissez un correcteur actif.")},
    )


class VerifyPagesForm(forms.Form):
    verified_pages = forms.IntegerField(label=_("Pages vérifiées"), widget=page_count_widget())

    def clean_verified_pages(self):
        return clean_page_count(self.cleaned_data["verified_pages"])


class RatingForm(forms.Form):
    """The client's rating of a finished order (orders.services.order_rate)."""

    score = forms.TypedChoiceField(
        label=_("Votre note"), coerce=int, widget=forms.RadioSelect,
        choices=[(n, f"{n}/5") for n in OrderRating.SCORES],
        error_messages={"required": _("Choisissez une note entre 1 et 5."),
                        "invalid_choice": _("Choisissez une note entre 1 et 5.")},
    )
    comment = forms.CharField(
        label=_("Votre commentaire (facultatif)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Votre commentaire dépasse %(limit_value)d caractères.")},
    )


class FileSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un fichier"), required=False, max_length=100)


class ClientOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Afficher"), required=False,
        choices=[("all", _("Tous")), ("active", _("En cours")), ("awaiting", _("En attente")), ("finished", _("Terminés"))],
    )
    q = forms.CharField(label=_("Rechercher un titre"), required=False, max_length=100)



class VisitorAccountForm(RegistrationForm):
    """A visitor who orders creates an account at the same time; the phone
    is required so the team can reach a client it has never met."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True
        self.fields["phone"].help_text = _("Pour vous joindre au sujet de votre commande.")
