from django.apps import AppConfig


class VideoCallsConfig(AppConfig):
    name = "video_calls"
    verbose_name = "Video calls"
