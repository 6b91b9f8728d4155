from django.urls import path

from . import views

app_name = "video_calls"

urlpatterns = [path("video-calls/", views.video_calls, name="list")]
