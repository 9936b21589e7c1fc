from django.contrib import admin
from django.urls import include, path

from timebank import home
from timebank.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home.home, name="home"),
    path("", include("timebank.accounts.urls")),
    path("", include("timebank.volunteers.urls")),
    path("", include("timebank.training.urls")),
    path("", include("timebank.earning.urls")),
    path("", include("timebank.spending.urls")),
    path("", include("matching.urls")),
    path("", include("mentoring.urls")),
    path("", include("impact.urls")),
]

# Uploaded files (training evidence) are never served from MEDIA_URL, not even with
# DEBUG on as in the demo: only views that check who is asking hand them out.
