"""Pages of case investigation and contact tracing (included at the site root)."""

from django.urls import path

from outbreakhq.tracing import views, views_contacts

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/visits/", views.case_add_visit, name="case_add_visit"),
    path("cases/<int:pk>/exposures/", views.case_add_exposure, name="case_add_exposure"),
    path("cases/<int:pk>/contacts/", views.case_add_contact, name="case_add_contact"),
    path("cases/<int:pk>/source/", views.case_link_source, name="case_link_source"),
    path("contacts/", views_contacts.contact_list, name="contacts"),
    path("contacts/<int:pk>/", views_contacts.contact_detail, name="contact"),
    path("contacts/<int:pk>/followups/", views_contacts.contact_followup,
         name="contact_followup"),
    path("contacts/<int:pk>/quarantine/", views_contacts.contact_quarantine,
         name="contact_quarantine"),
    path("contacts/<int:pk>/edit/", views_contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/lost/", views_contacts.contact_lost, name="contact_lost"),
    path("contacts/<int:pk>/convert/", views_contacts.contact_convert, name="contact_convert"),
    path("contacts/<int:pk>/secondary/", views_contacts.contact_add_secondary,
         name="contact_add_secondary"),
    path("followups/", views_contacts.followup_worklist, name="followups"),
    path("followups/close/", views_contacts.followups_close, name="followups_close"),
    path("chains/", views_contacts.chain_page, name="chains"),
    path("chains/graph.json", views_contacts.chain_graph, name="chain_graph"),
]
