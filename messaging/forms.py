import uuid
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import MultipleFileField
from files.models import StoredFile
from files.validation import ATTACHMENT_KINDS, accept_attribute, accepted_types_label, validate_upload

from .models import MAX_ATTACHMENTS, MAX_CONTENT_LENGTH, Message
from .selectors import active_client

# Files of a direct conversation's author offered for re-attaching: recent ones.
EXISTING_FILES_DAYS = 180


class StoredFileChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.original_name} ({obj.human_size})"


class MessageForm(forms.Form):
    """A message: text, optional reply-to, files. Staff alone get the
    "sign as the team" box; for everybody else the field does not exist."""

    subject = forms.CharField(
        label=_("Sujet"), max_length=255, error_messages={"required": _("Indiquez un sujet.")},
    )
    content = forms.CharField(
        label=_("Votre message"), max_length=MAX_CONTENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_CONTENT_LENGTH}),
        error_messages={
            "required": _("Écrivez un message."),
            "max_length": _("Un message ne peut pas dépasser %(limit_value)d caractères (il en compte %(show_value)d)."),
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(
        label=_("Pièces jointes"), required=False,
        help_text=_("%(types)s ; %(max)s fichiers au plus.") % {
            "types": accepted_types_label(ATTACHMENT_KINDS), "max": MAX_ATTACHMENTS,
        },
    )
    existing_files = StoredFileChoiceField(
        label=_("Joindre un fichier déjà déposé"), queryset=StoredFile.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Vous ne pouvez joindre que vos propres fichiers.")},
    )
    signed_as_team = forms.BooleanField(label=_("Signer « Équipe Staka Livres »"), required=False)
    # A fresh token with every blank form: the same form posted twice (double
    # click, two tabs, a retry) is one message. Optional: a post without it
    # is simply not deduplicated.
    client_token = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    def __init__(self, *args, user, conversation=None, with_subject=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.conversation = conversation
        if not with_subject:
            del self.fields["subject"]
        if not user.is_admin:
            del self.fields["signed_as_team"]
        self.fields["attachments"].widget.attrs["accept"] = accept_attribute(ATTACHMENT_KINDS)
        own = StoredFile.objects.available().filter(uploaded_by=user).order_by("-created_at")
        if conversation is not None and conversation.order_id:
            own = own.filter(order_id=conversation.order_id)
        else:
            own = own.filter(created_at__gte=timezone.now() - timedelta(days=EXISTING_FILES_DAYS))
        self.fields["existing_files"].queryset = own

    def clean_attachments(self):
        uploads = self.cleaned_data.get("attachments") or []
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(_("%(max)s pièces jointes au maximum par message.") % {"max": MAX_ATTACHMENTS})
        for upload in uploads:
            try:
                validate_upload(uploaded_file=upload, allowed=ATTACHMENT_KINDS, user=self.user)
            except ValidationError as error:
                raise ValidationError(
                    _("« %(name)s » : %(error)s") % {"name": upload.name, "error": " ".join(error.messages)}
                ) from error
        return uploads

    def clean_parent(self):
        parent_id = self.cleaned_data.get("parent")
        if not parent_id or self.conversation is None:
            return None
        parent = (
            Message.objects.filter(conversation=self.conversation, pk=parent_id, status__in=Message.SENT_STATUSES)
            .only("id", "conversation_id", "thread_root_id", "status")
            .first()
        )
        if parent is None:
            raise ValidationError(_("Le message auquel vous répondez n'existe plus."))
        return parent

    def clean(self):
        cleaned = super().clean()
        count = len(cleaned.get("attachments") or []) + len(cleaned.get("existing_files") or [])
        if count > MAX_ATTACHMENTS:
            raise ValidationError(_("%(max)s pièces jointes au maximum par message.") % {"max": MAX_ATTACHMENTS})
        return cleaned

    def all_attachments(self):
        return [*self.cleaned_data.get("existing_files", []), *self.cleaned_data.get("attachments", [])]


class ClientConversationForm(MessageForm):
    """Staff write first to a client (issue 9): a subject, a message, and the
    client, chosen by the search or by the link on their admin page and
    carried as a hidden id (no <select> of every user)."""

    # A hidden id, checked in clean() so that a missing or stale client is a
    # plain message at the top of the form (not a hidden field's error).
    client = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["client", "subject", "content"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, with_subject=True, **kwargs)
        # New uploads only: re-attaching is for a participant's own recent files.
        del self.fields["existing_files"]

    def clean(self):
        cleaned = super().clean()
        pk = cleaned.get("client")
        cleaned["client"] = active_client(pk=pk) if pk else None
        if cleaned["client"] is None:
            self.add_error(None, ValidationError(_("Choisissez le client à qui écrire (un compte client actif).")))
        return cleaned


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher un client (nom ou e-mail)"), required=False, max_length=100)


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    archived = forms.TypedChoiceField(
        label=_("Afficher"), required=False, coerce=lambda value: value == "1", empty_value=False,
        choices=[("0", _("Boîte de réception")), ("1", _("Archivées"))],
    )


class DraftForm(forms.Form):
    """What the draft autosave posts. The same field rules as a message
    (no NUL byte: Django's CharField refuses them); the length is cut to
    MAX_CONTENT_LENGTH by the service, as the user is still typing."""

    content = forms.CharField(required=False)
