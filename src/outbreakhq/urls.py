from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from outbreakhq.api import api
from outbreakhq.core import views, views_admin, views_dedup

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
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
    path("areas/import/", views_admin.area_import, name="area_import"),
    path("areas/<str:code>/", views.areas, name="area"),
    path("audit/", views_admin.audit, name="audit"),
    path("tokens/", views.api_tokens, name="tokens"),
    path("", include("outbreakhq.tracing.urls")),  # cases/, contacts/, followups/, chains/
    path("", include("outbreakhq.tracing.urls_io")),  # import/, export/, exports/
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages without a <link rel=icon> (raw errors, JSON).
    path("favicon.ico", lambda request: RedirectView.as_view(
        url=static("outbreakhq/favicon.svg"))(request), name="favicon"),
]
