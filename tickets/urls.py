from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("help/", views.help_page, name="help"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/escalate/", views.ticket_escalate, name="ticket_escalate"),
    path("tickets/<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
