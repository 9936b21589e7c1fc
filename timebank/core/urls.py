from django.urls import path

from timebank.core.views import card, coordinator_volunteers, home, tokens, training, volunteer_self

urlpatterns = [
    path("", home.home, name="home"),
    # A volunteer's own pages.
    path("me/", volunteer_self.my_profile, name="my_profile"),
    path("me/edit/", volunteer_self.my_profile_edit, name="my_profile_edit"),
    path("me/consents/give/", volunteer_self.my_consent_give, name="my_consent_give"),
    path("me/consents/<int:consent_id>/withdraw/", volunteer_self.my_consent_withdraw, name="my_consent_withdraw"),
    path("me/training/", volunteer_self.my_training, name="my_training"),
    path("me/qualifications/", volunteer_self.my_qualifications, name="my_qualifications"),
    # Coordinators: a programme's volunteers and catalogue.
    path(
        "programmes/<slug:slug>/volunteers/", coordinator_volunteers.programme_volunteers, name="programme_volunteers"
    ),
    path(
        "programmes/<slug:slug>/volunteers/register/",
        coordinator_volunteers.volunteer_register_page,
        name="volunteer_register",
    ),
    path("programmes/<slug:slug>/courses/", training.programme_courses, name="programme_courses"),
    path("programmes/<slug:slug>/checks/", training.programme_check_types, name="programme_check_types"),
    # Coordinators: one volunteer.
    path("volunteers/<int:pk>/", coordinator_volunteers.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<int:pk>/edit/", coordinator_volunteers.volunteer_edit, name="volunteer_edit"),
    path(
        "volunteers/<int:pk>/memberships/<int:membership_id>/status/",
        coordinator_volunteers.membership_status,
        name="membership_status",
    ),
    path(
        "volunteers/<int:pk>/consents/give/",
        coordinator_volunteers.volunteer_consent_give,
        name="volunteer_consent_give",
    ),
    path(
        "volunteers/<int:pk>/consents/<int:consent_id>/withdraw/",
        coordinator_volunteers.volunteer_consent_withdraw,
        name="volunteer_consent_withdraw",
    ),
    path("volunteers/<int:pk>/training/add/", training.training_add, name="training_add"),
    path("volunteers/<int:pk>/training/<int:record_id>/verify/", training.training_verify, name="training_verify"),
    path(
        "volunteers/<int:pk>/training/<int:record_id>/evidence/", training.training_evidence, name="training_evidence"
    ),
    path("volunteers/<int:pk>/checks/add/", training.check_add, name="check_add"),
    path("volunteers/<int:pk>/checks/<int:check_id>/verify/", training.check_verify, name="check_verify"),
    path("volunteers/<int:pk>/card.pdf", card.volunteer_card, name="volunteer_card"),
    # Everyone signed in.
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.api_token_revoke_view, name="api_token_revoke"),
]

# Credits: balances, statements, the programme ledger and reversals.
from timebank.core.views import credits as credit_views  # noqa: E402

urlpatterns += [
    path("me/credits/", credit_views.my_credits, name="my_credits"),
    path("volunteers/<int:pk>/credits/<slug:slug>/", credit_views.statement_page, name="statement"),
    path("programmes/<slug:slug>/ledger/", credit_views.programme_ledger_page, name="programme_ledger"),
    path(
        "programmes/<slug:slug>/ledger/<int:transaction_id>/reverse/",
        credit_views.transaction_reverse_page,
        name="transaction_reverse",
    ),
]

# Earning: logging hours, claims, the approval queue, attendance, activities and sessions.
from timebank.core.views import claims as claim_views  # noqa: E402

urlpatterns += [
    path("me/hours/", claim_views.log_hours, name="log_hours"),
    path("me/claims/", claim_views.my_claims_page, name="my_claims"),
    path("hours/", claim_views.claims_overview, name="claims_overview"),
    path("programmes/<slug:slug>/claims/", claim_views.claim_queue, name="claim_queue"),
    path("programmes/<slug:slug>/claims/<int:claim_id>/reject/", claim_views.claim_reject_page, name="claim_reject"),
    path("programmes/<slug:slug>/attendance/", claim_views.attendance_register, name="attendance_register"),
    path("programmes/<slug:slug>/activities/", claim_views.programme_activities, name="programme_activities"),
    path("programmes/<slug:slug>/sessions/", claim_views.programme_sessions, name="programme_sessions"),
]

# Spending: offers, vouchers, gifts (volunteers); the till (partner staff); venues, offers, the fund (coordinators).
from timebank.core.views import partners as partner_views  # noqa: E402
from timebank.core.views import spending as spending_views  # noqa: E402

urlpatterns += [
    path("me/offers/", spending_views.my_offers, name="my_offers"),
    path("me/offers/<int:offer_id>/voucher/", spending_views.my_voucher_take, name="my_voucher_take"),
    path("me/vouchers/", spending_views.my_vouchers_page, name="my_vouchers"),
    path("me/vouchers/<int:voucher_id>/", spending_views.my_voucher, name="my_voucher"),
    path("me/vouchers/<int:voucher_id>/cancel/", spending_views.my_voucher_cancel, name="my_voucher_cancel"),
    path("me/gifts/", spending_views.my_gifts, name="my_gifts"),
    path("partner/", partner_views.partner_home, name="partner_home"),
    path("venues/<int:venue_id>/confirm/", partner_views.venue_confirm, name="venue_confirm"),
    path("venues/<int:venue_id>/till/", partner_views.venue_till, name="venue_till"),
    path("venues/<int:venue_id>/redemptions/", partner_views.venue_redemptions, name="venue_redemptions"),
    path("programmes/<slug:slug>/partners/", partner_views.programme_partners, name="programme_partners"),
    path("programmes/<slug:slug>/partners/<int:venue_id>/", partner_views.partner_venue, name="partner_venue"),
    path(
        "programmes/<slug:slug>/partners/<int:venue_id>/staff/",
        partner_views.partner_venue_staff_add,
        name="partner_venue_staff_add",
    ),
    path("programmes/<slug:slug>/partners/<int:venue_id>/offers/new/", partner_views.offer_new, name="offer_new"),
    path("programmes/<slug:slug>/offers/<int:offer_id>/edit/", partner_views.offer_edit, name="offer_edit"),
    path("programmes/<slug:slug>/fund/", partner_views.programme_fund, name="programme_fund"),
]
