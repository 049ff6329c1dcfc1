import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import MultipleFileField
from files.validation import ATTACHMENT_KINDS, accept_attribute, accepted_types_label, validate_upload
from messaging.models import MAX_ATTACHMENTS, MAX_CONTENT_LENGTH
from orders.models import Order

from .models import Ticket
from .services import STATUS_ACTIONS, ticket_may

CONTENT_ERRORS = {
    "required": _("Écrivez un message."),
    "max_length": _("Un message ne peut pas dépasser %(limit_value)d caractères (il en compte %(show_value)d)."),
}


class AttachmentsMixin:
    """Attachments checked by their content as soon as the form is posted."""

    user = None

    def _attachments_field(self):
        field = MultipleFileField(
            label=_("Pièces jointes"), required=False,
            help_text=_("%(types)s ; %(max)s fichiers au plus.") % {
                "types": accepted_types_label(ATTACHMENT_KINDS), "max": MAX_ATTACHMENTS,
            },
        )
        field.widget.attrs["accept"] = accept_attribute(ATTACHMENT_KINDS)
        return field

    def clean_attachments(self):
        uploads = self.cleaned_data.get("attachments") or []
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(_("%(max)s pièces jointes au maximum.") % {"max": MAX_ATTACHMENTS})
        for upload in uploads:
            validate_upload(uploaded_file=upload, allowed=ATTACHMENT_KINDS, user=self.user)
            upload.seek(0)
        return uploads


class TicketForm(AttachmentsMixin, forms.Form):
    """A client's new ticket. ``submission`` is the form's one-time key: the
    same form sent twice (double click, two tabs) opens one ticket."""

    title = forms.CharField(label=_("Objet"), max_length=255,
                            error_messages={"required": _("Indiquez l'objet de votre demande.")})
    category = forms.ChoiceField(label=_("Catégorie"), choices=Ticket.Category.choices,
                                 initial=Ticket.Category.GENERAL)
    order = forms.ModelChoiceField(label=_("Commande concernée"), queryset=Order.objects.none(), required=False,
                                   empty_label=_("Aucune"),
                                   error_messages={"invalid_choice": _("Choisissez une de vos commandes.")})
    description = forms.CharField(
        label=_("Votre demande"), max_length=MAX_CONTENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_CONTENT_LENGTH}),
        error_messages={**CONTENT_ERRORS, "required": _("Décrivez votre demande.")},
    )
    submission = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["attachments"] = self._attachments_field()
        # Only the client's own orders can be chosen (the service checks it again).
        self.fields["order"].queryset = Order.objects.filter(client=user).only("id", "title").order_by("-created_at")

    def submission_key(self):
        token = self.cleaned_data.get("submission")
        return f"ticket-form:{self.user.pk}:{token}"[:64] if token else None


class ReplyForm(AttachmentsMixin, forms.Form):
    """An answer in a ticket; staff may also put the ticket on hold."""

    content = forms.CharField(
        label=_("Votre message"), max_length=MAX_CONTENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_CONTENT_LENGTH}), error_messages=CONTENT_ERRORS,
    )
    set_waiting = forms.BooleanField(label=_("Attendre la réponse du client (suspend l'échéance)"), required=False)
    client_token = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    def __init__(self, *args, user, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["attachments"] = self._attachments_field()
        if not staff:
            del self.fields["set_waiting"]


class VisitorReplyForm(AttachmentsMixin, forms.Form):
    content = forms.CharField(
        label=_("Votre réponse"), max_length=MAX_CONTENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_CONTENT_LENGTH}), error_messages=CONTENT_ERRORS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = self._attachments_field()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class AssignForm(forms.Form):
    assignee = StaffChoiceField(label=_("Assigné à"), queryset=User.objects.none(), required=False,
                                empty_label=_("Personne"),
                                error_messages={"invalid_choice": _("Choisissez un membre de l'équipe.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(role=User.Role.ADMIN, is_active=True).only(
            "id", "first_name", "last_name", "email").order_by("first_name", "last_name")


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priorité"), choices=Ticket.Priority.choices)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("Catégorie"), choices=Ticket.Category.choices)


# How the statuses read to the team (the model's labels speak to the client).
STAFF_STATUS_LABELS = {
    Ticket.Status.EN_ATTENTE: _("En attente du client (suspend l'échéance)"),
    Ticket.Status.RESOLU: _("Résolu"),
    Ticket.Status.ANNULE: _("Annulé (spam, doublon)"),
    Ticket.Status.EN_COURS: _("Rouvert, en cours"),
}


class StatusForm(forms.Form):
    """The statuses staff may pick now (from the same table the services check)."""

    status = forms.ChoiceField(label=_("Nouveau statut"), choices=(),
                               error_messages={"invalid_choice": _("Ce statut n'est pas possible maintenant.")})
    note = forms.CharField(label=_("Note (facultative)"), required=False, max_length=500)

    def __init__(self, *args, ticket, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status, STAFF_STATUS_LABELS[status]) for status, action in STATUS_ACTIONS.items()
            if ticket_may(ticket=ticket, user=user, action=action)
        ]
