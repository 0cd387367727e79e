"""Pages of the quarantine manager (included at the site root)."""

from django.urls import path

from outbreakhq.quarantine import views

urlpatterns = [
    path("quarantine/", views.site_list, name="quarantine_sites"),
    path("quarantine/site/", views.site_page, name="quarantine_site"),
    path("quarantine/awaiting/", views.awaiting_list, name="quarantine_awaiting"),
    path("quarantine/awaiting/bulk/", views.bulk_placement, name="quarantine_bulk"),
    path("quarantine/people/<int:pk>/", views.person_page, name="quarantine_person"),
    path("quarantine/people/<int:pk>/place/", views.place_person, name="quarantine_place"),
    path("quarantine/people/<int:pk>/tests/", views.record_test, name="quarantine_test"),
    path("quarantine/people/<int:pk>/release/", views.release, name="quarantine_release"),
    path("quarantine/people/<int:pk>/transfer/", views.transfer, name="quarantine_transfer"),
    path("quarantine/switch/", views.switch_page, name="quarantine_switch"),
    path("quarantine/staff/", views.staff_page, name="quarantine_staff"),
    path("quarantine/staff/cohort/", views.cohort_page, name="quarantine_cohort"),
    path("quarantine/staff/members/", views.cohort_member, name="quarantine_cohort_member"),
    path("quarantine/staff/tests/", views.staff_test, name="quarantine_staff_test"),
    path("quarantine/staff/breaches/", views.breach, name="quarantine_breach"),
]
