from django.urls import path

from . import api

urlpatterns = [
    path("status/incidents/", api.IncidentListView.as_view(), name="status-incidents"),
    path("status/incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="status-incident"),
    path("status/maintenances/", api.MaintenanceListView.as_view(), name="status-maintenances"),
    path("status/maintenances/<int:pk>/", api.MaintenanceDetailView.as_view(), name="status-maintenance"),
    path("uptime/", api.UptimeView.as_view(), name="uptime"),
]
