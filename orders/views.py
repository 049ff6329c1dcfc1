from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.decorators import role_required
from accounts.models import User


@login_required
def client_dashboard(request):
    """"Mon espace": the client's home. Other roles go to their own home."""
    if not request.user.is_client:
        return redirect("accounts:home")
    return render(request, "orders/client_dashboard.html")


@role_required(User.Role.CORRECTOR)
def corrector_queue(request):
    """"Mes corrections": the corrector's home."""
    return render(request, "orders/corrector_queue.html")
