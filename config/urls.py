from django.contrib import admin
from django.urls import include, path

# A database that is down or locked gets a 503 with Retry-After instead of the 500 page.
handler500 = "assessment.views.errors.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("assessment.urls")),
    path("konto/", include("allauth.urls")),
]
