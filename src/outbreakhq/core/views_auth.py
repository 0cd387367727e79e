"""Signing in: password, then the two-factor code for those who use it; the two-factor page;
the administrators' page of sign-in locks and two-factor devices."""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outbreakhq.core import accounts, audit, lockout, two_factor
from outbreakhq.core.actor import Actor, actor_of
from outbreakhq.core.errors import NotFound
from outbreakhq.core.roles import Can
from outbreakhq.core.views import require_capability

PENDING = "outbreakhq_two_factor_pending"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


class LoginView(auth_views.LoginView):
    """Sign-ins and failed sign-ins go into the audit trail (who, when, from where). A user with
    two-factor on (or required for their role) gets no session until the code step."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.needed_at_sign_in(user):
            self.request.session.cycle_key()
            self.request.session[PENDING] = {"user": user.pk, "backend": user.backend,
                                             "at": time.time(), "next": self.get_success_url()}
            return redirect("login_two_factor")
        response = super().form_valid(form)
        audit.record(actor=Actor.signing_in(self.request, user), action="login",
                     object_type="session")
        return response

    def form_invalid(self, form):
        # The attempted user name is kept (that is how guessing shows up); the password never.
        # While locked, axes refuses before checking the password and the page says so.
        result = "locked" if lockout.refused_while_locked(self.request) else "failed"
        audit.record(actor=Actor.anonymous(self.request), action="login", object_type="session",
                     detail={"result": result,
                             "username": self.request.POST.get("username", "")[:150]})
        return super().form_invalid(form)


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user, pending


def login_two_factor(request):
    """Second step: the 6-digit code, or setting up the app when the role requires it."""
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING, None)
        messages.error(request, _("Sign-in took too long; enter your password again."))
        return redirect("login")
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        audit.record(actor=Actor.anonymous(request), action="login", object_type="session",
                     detail={"result": "locked", "step": "two-factor",
                             "username": user.get_username()})
        return lockout.lockout_response(request, None, credentials)
    enrolling = two_factor.confirmed_device(user) is None
    wrong = False
    if request.method == "POST":
        code = request.POST.get("code", "")
        if enrolling:
            ok = two_factor.confirm_device(actor=Actor.signing_in(request, user), code=code)
            if not ok:
                two_factor.fail_sign_in(user=user, request=request)
        else:
            ok = two_factor.check_code(user=user, code=code, request=request)
        if ok:
            return _finish_sign_in(request, user, pending)
        wrong = True
    context = {"wrong": wrong, "enrolling": enrolling}
    if enrolling:
        context.update(_enrol_context(user))
    return render(request, "registration/login_two_factor.html", context)


def _finish_sign_in(request, user, pending):
    del request.session[PENDING]
    login(request, user, backend=pending["backend"])
    audit.record(actor=Actor.signing_in(request, user), action="login", object_type="session",
                 detail={"two_factor": True})
    target = pending.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)


def _enrol_context(user) -> dict:
    device = two_factor.unconfirmed_device(user)
    return {"qr_svg": two_factor.qr_svg(device), "secret": two_factor.secret_text(device)}


@login_required
def two_factor_page(request):
    """A commander or administrator turns two-factor sign-in on (other roles: not found)."""
    if not two_factor.offered(request.user):
        raise NotFound(_("Two-factor sign-in is for commanders and administrators."))
    device = two_factor.confirmed_device(request.user)
    wrong = False
    if device is None and request.method == "POST":
        if two_factor.confirm_device(actor=actor_of(request), code=request.POST.get("code", "")):
            messages.success(request, _("Two-factor sign-in is on. From now on, signing in "
                                        "asks for a code from your app after the password."))
            return redirect("two_factor")
        wrong = True
    context = {"device": device, "wrong": wrong,
               "required": two_factor.required(request.user)}
    if device is None:
        context.update(_enrol_context(request.user))
    return render(request, "core/two_factor.html", context)


@login_required
def sign_in_security(request):
    """Administrators: current sign-in locks and accounts with two-factor sign-in."""
    require_capability(request, Can.MANAGE_ACCOUNTS)
    return render(request, "core/sign_in_security.html", {
        "locks": accounts.locks_visible_to(actor_of(request)),
        "enrolled": accounts.enrolled_visible_to(actor_of(request)),
    })


@login_required
@require_POST
def sign_in_unlock(request):
    require_capability(request, Can.MANAGE_ACCOUNTS)
    lock = accounts.unlock(actor=actor_of(request), username=request.POST.get("username", ""),
                           ip=request.POST.get("ip") or None)
    messages.success(request, _("Unlocked %(username)s: they can sign in again now.")
                     % {"username": lock.username})
    return redirect("sign_in_security")


@login_required
@require_POST
def two_factor_reset(request):
    require_capability(request, Can.MANAGE_ACCOUNTS)
    user = accounts.reset_two_factor(actor=actor_of(request),
                                     user_id=_int(request.POST.get("user")))
    messages.success(request, _("Two-factor sign-in of %(username)s was reset.")
                     % {"username": user.username})
    return redirect("sign_in_security")


def _int(value) -> int:
    return int(value) if str(value).isdecimal() else 0
