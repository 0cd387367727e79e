"""Screening pages (included at the site root through hooks.urls)."""

from django.urls import path

from outbreakhq.screening import views

urlpatterns = [
    path("screening/", views.rounds, name="screening_rounds"),
    path("screening/round/", views.round_page, name="screening_round"),
    path("screening/collect/", views.collect, name="screening_collect"),
    path("screening/ship/", views.ship, name="screening_ship"),
    path("screening/lab/", views.lab, name="screening_lab"),
    path("screening/recalls/", views.recalls, name="screening_recalls"),
    path("screening/codes/", views.codes, name="screening_codes"),
]
