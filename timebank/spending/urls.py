from django.urls import path

from timebank.spending.views import credits as credit_views
from timebank.spending.views import partners as partner_views
from timebank.spending.views import spending as spending_views

# Offers, vouchers, gifts (volunteers); the till (partner staff); venues, offers, the fund (coordinators).
urlpatterns = [
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

# Credits: balances, statements, the programme ledger and reversals.
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
