# The stack's endpoints.
from django.urls import path

from . import views

urlpatterns = [
    path("feed/<int:user>", views.feed),
    path("profile/<int:user>", views.profile),
    path("like", views.like),
    path("healthz", views.healthz),
]
