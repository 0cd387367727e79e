"""Pages of residents' support and stranded travellers (included at the site root)."""

from django.urls import path

from outbreakhq.support.views import public, staff, travellers

urlpatterns = [
    path("public/support/", public.support_public, name="support_public"),
    path("public/support/status/", public.support_public_status, name="support_public_status"),
    path("support/", staff.support_queue, name="support_queue"),
    path("support/new/", staff.support_request_new, name="support_request_new"),
    path("support/requests/<int:request_id>/", staff.support_request, name="support_request"),
    path("support/requests/<int:request_id>/step/", staff.support_request_step,
         name="support_request_step"),
    path("support/requests/<int:request_id>/pass/", staff.support_pass_issue,
         name="support_pass_issue"),
    path("support/passes/<int:medical_pass>/", staff.support_pass, name="support_pass"),
    path("support/teams/", staff.support_teams, name="support_teams"),
    path("support/escalated/", staff.support_escalated, name="support_escalated"),
    path("travellers/", travellers.support_travellers, name="support_travellers"),
    path("travellers/<int:traveller>/", travellers.support_traveller, name="support_traveller"),
    path("travellers/batches/", travellers.support_batches, name="support_batches"),
    path("travellers/batches/<int:batch>/", travellers.support_batch, name="support_batch"),
    path("travellers/batches/<int:batch>/assign/", travellers.support_batch_assign,
         name="support_batch_assign"),
    path("travellers/batches/<int:batch>/status/", travellers.support_batch_status,
         name="support_batch_status"),
    path("travellers/batches/<int:batch>/manifest/", travellers.support_batch_manifest,
         name="support_batch_manifest"),
]
