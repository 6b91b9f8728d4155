from django.urls import path, register_converter

from . import views


class QuarterConverter:
    regex = r"\d{4}-Q[1-4]"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class MonthConverter:
    regex = r"\d{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(QuarterConverter, "quarter")
register_converter(MonthConverter, "month")

app_name = "qbr"
urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/qbr/<str:account_id>/<quarter:period>.pdf", views.deck, name="deck"),
    path("reports/qbr/<str:account_id>/<quarter:period>.html", views.deck_preview, name="deck_preview"),
    path("reports/usage/<str:account_id>/<month:period>.pdf", views.usage_report, name="usage_report"),
]
