from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from outbreakhq.api import api
from outbreakhq.core import hooks, views, views_admin, views_auth, views_dedup, views_retention
from outbreakhq.interop import views as interop_views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views_auth.LoginView.as_view(), name="login"),
    # Sign-in protection (issue 7): two-factor step and page, administrators' locks page.
    path("login/two-factor/", views_auth.login_two_factor, name="login_two_factor"),
    path("account/two-factor/", views_auth.two_factor_page, name="two_factor"),
    path("sign-in-security/", views_auth.sign_in_security, name="sign_in_security"),
    path("sign-in-security/unlock/", views_auth.sign_in_unlock, name="sign_in_unlock"),
    path("sign-in-security/reset-two-factor/", views_auth.two_factor_reset,
         name="two_factor_reset"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("scope/", views.switch_scope, name="switch_scope"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("duplicates/", views_dedup.duplicates, name="duplicates"),
    path("duplicates/<int:keep>/<int:merged>/", views_dedup.compare, name="duplicate_compare"),
    path("duplicates/<int:keep>/<int:merged>/merge/", views_dedup.merge_view,
         name="duplicate_merge"),
    path("duplicates/<int:keep>/<int:merged>/dismiss/", views_dedup.dismiss,
         name="duplicate_dismiss"),
    path("areas/", views.areas, name="areas"),
    path("areas/import/", interop_views.area_import, name="area_import"),
    path("areas/<str:code>/", views.areas, name="area"),
    path("audit/", views_admin.audit, name="audit"),
    # Retention: outbreaks declared over, purge schedule and purge (core/views_retention.py).
    path("retention/", views_retention.retention_page, name="retention"),
    path("retention/<str:code>/declare/", views_retention.declare_over, name="retention_declare"),
    path("retention/<str:code>/reopen/", views_retention.reopen, name="retention_reopen"),
    path("retention/<str:code>/purge/", views_retention.purge_tree, name="retention_purge"),
    path("people/<int:pk>/looked/", views_admin.person_looked, name="person_looked"),
    path("tokens/", views.api_tokens, name="tokens"),
    # Every app's pages (core/hooks.py urls): tracing's cases/, contacts/, import/, export/…
    *[path("", include(module)) for module in hooks.URL_INCLUDES],
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages without a <link rel=icon> (raw errors, JSON).
    path("favicon.ico", lambda request: RedirectView.as_view(
        url=static("outbreakhq/favicon.svg"))(request), name="favicon"),
]
