"""Pages of the command centre (included at the site root)."""

from django.urls import path

from outbreakhq.command import views

urlpatterns = [
    path("command/", views.dashboard, name="dashboard"),
    path("command/<str:code>/", views.dashboard, name="dashboard_area"),
    path("command/<str:code>/data.json", views.dashboard_data, name="dashboard_data"),
    path("command/<str:code>/directives/", views.directives, name="directives"),
    path("command/<str:code>/directives/issue/", views.directive_issue, name="directive_issue"),
    path("command/<str:code>/directives/update/", views.directive_update,
         name="directive_update"),
    path("command/<str:code>/sitrep/", views.sitrep, name="sitrep"),
    path("command/<str:code>/sitrep.pdf", views.sitrep_pdf, name="sitrep_pdf"),
    path("command/<str:code>/sitrep.pdf/<str:token>/", views.sitrep_pdf_job,
         name="sitrep_pdf_job"),
    path("command/<str:code>/sitrep.pdf/<str:token>/file", views.sitrep_pdf_file,
         name="sitrep_pdf_file"),
    path("command/<str:code>/sitrep/commentary/", views.sitrep_commentary,
         name="sitrep_commentary"),
]
