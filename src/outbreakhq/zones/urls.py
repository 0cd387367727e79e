"""Risk-area pages (included at the site root): staff pages under risk-areas/, the public list
under public/ (no login)."""

from django.urls import path

from outbreakhq.zones import views, views_places, views_public

urlpatterns = [
    path("risk-areas/", views.overview, name="zones"),
    path("risk-areas/areas/<str:code>/", views.area_page, name="zones_area"),
    path("risk-areas/proposals/", views.proposals, name="zones_proposals"),
    path("risk-areas/proposals/decide/", views.decide, name="zones_decide"),
    path("risk-areas/designate/", views.designate, name="zones_designate"),
    path("risk-areas/alerts/", views.alerts, name="zones_alerts"),
    path("risk-areas/alerts/acknowledge/", views.acknowledge, name="zones_acknowledge"),
    path("risk-areas/places/", views_places.places, name="zones_places"),
    path("risk-areas/places/add/", views_places.place_add, name="zones_place_add"),
    path("risk-areas/places/<int:pk>/", views_places.place_page, name="zones_place"),
    path("risk-areas/places/<int:pk>/people/", views_places.place_member_add,
         name="zones_place_member_add"),
    path("risk-areas/samples/add/", views_places.sample_add, name="zones_sample_add"),
    path("public/risk-areas/", views_public.risk_areas, name="public_risk_areas"),
    path("public/risk-areas.json", views_public.risk_areas_json, name="public_risk_areas_json"),
    path("public/risk-areas.csv", views_public.risk_areas_csv, name="public_risk_areas_csv"),
]
