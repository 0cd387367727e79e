"""Import and export pages (included from the project's urls.py)."""

from django.urls import path

from outbreakhq.tracing.views import import_export as views_io

urlpatterns = [
    path("import/", views_io.import_start, name="import"),
    path("import/<str:token>/", views_io.import_review, name="import_review"),
    path("import/<str:token>/discard/", views_io.import_forget, name="import_forget"),
    path("import/<str:token>/errors.csv", views_io.import_errors, name="import_errors"),
    path("export/<str:kind>/", views_io.export, name="export"),
    path("exports/", views_io.exports, name="exports"),
    path("exports/<str:name>/", views_io.export_download, name="export_download"),
    path("exports/<str:name>/delete/", views_io.export_delete, name="export_delete"),
]
