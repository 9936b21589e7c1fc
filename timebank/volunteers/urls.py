from django.urls import path

from timebank.volunteers.views import card, profile

urlpatterns = [
    # A volunteer's own pages.
    path("me/", profile.my_profile, name="my_profile"),
    path("me/edit/", profile.my_profile_edit, name="my_profile_edit"),
    path("me/consents/give/", profile.my_consent_give, name="my_consent_give"),
    path("me/consents/<int:consent_id>/withdraw/", profile.my_consent_withdraw, name="my_consent_withdraw"),
    path("volunteers/<int:pk>/card.pdf", card.volunteer_card, name="volunteer_card"),
]
