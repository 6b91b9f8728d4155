from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("feedback/rate/<int:ticket_id>/<str:token>/", views.rate, name="rate"),
    path("feedback/nps/<str:token>/", views.nps_survey, name="nps"),
    path("feedback/requests/", views.feature_requests, name="feature_requests"),
    path("feedback/figures/", views.figures_page, name="figures"),
    path("feedback/figures.csv", views.figures_csv, name="figures_csv"),
]
