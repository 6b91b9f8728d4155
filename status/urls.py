from django.urls import path

from . import views

app_name = "status"

urlpatterns = [
    path("status/", views.page, name="page"),
    path("status.json", views.summary_json, name="summary"),
    path("status/feed.atom", views.feed, name="feed"),
    path("status/subscribe/", views.subscribe, name="subscribe"),
    path("status/subscribe/confirm/<str:token>/", views.confirm, name="confirm"),
    path("status/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("uptime/", views.uptime_page, name="uptime"),  # a customer admin's uptime and credits
]
