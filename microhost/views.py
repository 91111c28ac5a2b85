"""The platform's front page: the owner's dashboard when logged in, a welcome otherwise."""

from django.shortcuts import redirect, render


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")
