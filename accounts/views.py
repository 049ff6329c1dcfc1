from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from core.audit import Severity, audit_record

from . import services
from .forms import (
    DeleteAccountForm,
    EmailForm,
    LoginForm,
    NotificationPreferencesForm,
    PasswordConfirmForm,
    ProfileForm,
    QueuedPasswordResetForm,
    RegistrationForm,
)
from .models import AVATAR_FORMATS, User, avatar_format


def _rate(name):
    """django-ratelimit reads the rate at request time, so tests and
    deployments can change it through settings.RATE_LIMITS."""
    return lambda group, request: settings.RATE_LIMITS[name]


HOME_BY_ROLE = {
    User.Role.USER: "orders:client_dashboard",
    User.Role.CORRECTOR: "orders:corrector_queue",
    User.Role.ADMIN: "admin:index",
}


@login_required
def home(request):
    """Where each role lands after login."""
    return redirect(HOME_BY_ROLE[request.user.role])


@ratelimit(key="ip", rate=_rate("register"), method="POST", block=True)
def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A taken address gets the same page; its owner is e-mailed instead.
        services.user_register(
            email=data["email"], password=data["password1"], first_name=data["first_name"],
            last_name=data["last_name"], phone=data["phone"],
        )
        request.session["registered_email"] = data["email"]
        return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def register_done(request):
    email = request.session.get("registered_email")
    return render(request, "accounts/register_done.html", {"email": email, "resend_form": EmailForm(initial={"email": email})})


def activate(request, token):
    try:
        user = services.user_activate(token=token)
    except ValidationError as error:
        if error.code == "used":
            # A second click on the link (or a mail scanner first): the account
            # is active, the same place as the first click, with the reason.
            messages.info(request, error.messages[0])
            return redirect("accounts:login")
        return render(
            request, "accounts/activation_failed.html",
            {"error": error.messages[0], "code": error.code, "resend_form": EmailForm()}, status=400,
        )
    messages.success(request, _("Votre compte est activé. Vous pouvez maintenant vous connecter."))
    request.session["login_email"] = user.email
    # A visitor's order: after logging in, straight to it (to pay it). Only a
    # path of this site is followed (the login view checks it again).
    next_path = request.GET.get("next", "")
    if next_path and url_has_allowed_host_and_scheme(next_path, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_path})}")
    return redirect("accounts:login")


@require_POST
@ratelimit(key="ip", rate=_rate("activation_resend"), method="POST", block=True)
@ratelimit(key="post:email", rate=_rate("activation_resend"), method="POST", block=True)
def activation_resend(request):
    form = EmailForm(request.POST)
    if form.is_valid():
        # The same answer, and the same work, whether the address has an account or not.
        services.user_request_activation_resend(email=form.cleaned_data["email"])
        messages.info(
            request,
            _("Si un compte en attente d'activation existe pour cette adresse, un nouveau lien vient d'y être envoyé."),
        )
        return redirect("accounts:login")
    return render(request, "accounts/activation_failed.html", {"resend_form": form}, status=400)


@method_decorator(ratelimit(key="ip", rate=_rate("login"), method="POST", block=True), name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_initial(self):
        # Pre-filled after activation; kept out of the URL (logs, history).
        return {"username": self.request.session.pop("login_email", "")}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")


password_reset = ratelimit(key="ip", rate=_rate("password_reset"), method="POST", block=True)(
    ratelimit(key="post:email", rate=_rate("password_reset"), method="POST", block=True)(
        PasswordResetView.as_view()
    )
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # Django's view sets the password; the entry is written here, where that is known.
        response = super().form_valid(form)
        audit_record(action="password_reset.done", actor=form.user, target=form.user, request=self.request,
                     severity=Severity.MEDIUM)
        return response


@method_decorator(login_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Votre mot de passe a été modifié."))
        response = super().form_valid(form)
        audit_record(action="password.change", actor=form.user, target=form.user, request=self.request,
                     severity=Severity.MEDIUM)
        return response


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, _("Votre profil a été enregistré."))
        return redirect("accounts:profile")
    if request.method == "POST":
        # The rejected values must not leak into the header (name, avatar).
        user.refresh_from_db()
    return render(
        request, "accounts/profile.html",
        {"form": form, "preferences_form": NotificationPreferencesForm(user=user)},
    )


@login_required
@require_POST
def notification_preferences(request):
    form = NotificationPreferencesForm(request.POST, user=request.user)
    if form.is_valid():
        services.user_set_notification_preferences(user=request.user, preferences=form.cleaned_data)
        messages.success(request, _("Vos préférences de notification ont été enregistrées."))
    if request.htmx:
        # Only the form is swapped; the toast arrives out of band.
        form = NotificationPreferencesForm(user=request.user)
        return render(request, "accounts/_preferences_form.html", {"preferences_form": form})
    return redirect("accounts:profile")


@login_required
def export_data(request):
    data = services.user_export_data(user=request.user, request=request)
    response = HttpResponse(services.user_export_json(data), content_type="application/json; charset=utf-8")
    filename = f"staka-livres-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def deactivate(request):
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_deactivate(user=request.user, by=request.user, request=request)
        except ValidationError as error:  # an admin cannot close their own account
            form.add_error(None, error)
            return render(request, "accounts/deactivate.html", {"form": form})
        logout(request)
        messages.success(request, _("Votre compte est désactivé. Écrivez-nous si vous souhaitez le réactiver."))
        return redirect("core:landing")
    return render(request, "accounts/deactivate.html", {"form": form})


@login_required
def delete_account(request):
    """The page lists what keeps the account (work in progress, from the other
    apps through the registry) and what the deletion cancels; the service
    refuses while work is in progress and tells the team."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_anonymise(user=request.user, by=request.user, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, _("Votre compte a été supprimé et vos données personnelles effacées."))
            return redirect("core:landing")
    return render(request, "accounts/delete.html", {"form": form, **services.user_deletion_report(user=request.user)})


@login_required
@require_GET
def avatar(request, name):
    """A profile photo kept in local storage (with S3 the page links to a
    presigned URL instead). Shown to its owner and to staff only, with the
    type its bytes have, whatever its name."""
    path = f"avatars/{name}"
    if request.user.avatar.name != path and not request.user.is_staff:
        raise Http404
    try:
        photo = default_storage.open(path)
    except (FileNotFoundError, ValueError, OSError):
        raise Http404 from None
    extension = avatar_format(photo)
    if extension is None:
        photo.close()
        raise Http404
    response = FileResponse(photo, content_type=AVATAR_FORMATS[extension])
    # Random, immutable names: the browser may keep it, privately.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
