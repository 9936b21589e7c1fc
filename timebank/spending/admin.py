"""Spending in the admin: read-only. Venues, offers, vouchers and gifts change only through
the services, which check who may act, move the credits and write the audit entry."""

from django.contrib import admin

from timebank.accounts.admin import ReadOnlyAdmin
from timebank.spending.models import Gift, Offer, PartnerVenue, Redemption, Voucher


@admin.register(PartnerVenue)
class PartnerVenueAdmin(ReadOnlyAdmin):
    list_display = ["name", "programme", "category"]
    list_filter = ["programme", "category"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["title", "venue", "price_minutes", "cash_value"]
    list_filter = ["venue__programme"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    list_display = ["code", "offer", "volunteer", "status", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["offer", "volunteer"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["offer", "venue", "volunteer", "price_minutes", "redeemed_at"]
    list_select_related = ["offer", "venue", "volunteer"]


@admin.register(Gift)
class GiftAdmin(ReadOnlyAdmin):
    list_display = ["programme", "giver", "recipient", "minutes", "created_at"]
    list_select_related = ["programme", "giver", "recipient"]
