from django.urls import path  # noqa: F401  (routes come with the onboarding issue)

app_name = "onboarding"

urlpatterns: list = []
