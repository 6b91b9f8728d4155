from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("onboarding/", views.plan, name="plan"),
    path("services/", views.services_page, name="services"),
    path("services/requests/<int:pk>/", views.engagement_detail, name="engagement"),
    path("services/requests/<int:pk>/respond/", views.engagement_respond, name="engagement_respond"),
    path("tickets/<int:ticket_pk>/professional-services/", views.engagement_from_ticket, name="engagement_from_ticket"),
    path("calendar/<str:secret>.ics", views.calendar_feed, name="calendar_feed"),
]
