"""Pages of case investigation and contact tracing (included at the site root)."""

from django.urls import path

from outbreakhq.tracing.views import cases, contacts

urlpatterns = [
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.case_create, name="case_create"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/move/", cases.case_move, name="case_move"),
    path("cases/<int:pk>/visits/", cases.case_add_visit, name="case_add_visit"),
    path("cases/<int:pk>/exposures/", cases.case_add_exposure, name="case_add_exposure"),
    path("cases/<int:pk>/contacts/", cases.case_add_contact, name="case_add_contact"),
    path("cases/<int:pk>/source/", cases.case_link_source, name="case_link_source"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:pk>/followups/", contacts.contact_followup,
         name="contact_followup"),
    path("contacts/<int:pk>/quarantine/", contacts.contact_quarantine,
         name="contact_quarantine"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/lost/", contacts.contact_lost, name="contact_lost"),
    path("contacts/<int:pk>/convert/", contacts.contact_convert, name="contact_convert"),
    path("contacts/<int:pk>/secondary/", contacts.contact_add_secondary,
         name="contact_add_secondary"),
    path("followups/", contacts.followup_worklist, name="followups"),
    path("followups/close/", contacts.followups_close, name="followups_close"),
    path("chains/", contacts.chain_page, name="chains"),
    path("chains/graph.json", contacts.chain_graph, name="chain_graph"),
]
