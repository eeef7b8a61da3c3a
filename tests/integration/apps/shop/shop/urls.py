from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.index),
    path("health", views.health),
    path("items", views.add),
    path("upload", views.upload),
]
