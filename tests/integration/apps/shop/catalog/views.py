"""The shop's pages: a list of items that names its stylesheet by its hashed name, a health check that
asks the database, adding an item, and an upload kept in MEDIA_ROOT."""
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from catalog.models import Item

VERSION = "v1"


def index(request):
    return render(request, "catalog/index.html", {"items": Item.objects.order_by("id"), "version": VERSION})


def health(request):
    return JsonResponse({"items": Item.objects.count(), "version": VERSION})


@csrf_exempt
def add(request):
    item = Item.objects.create(name=request.GET["name"])
    return JsonResponse({"id": item.id})


@csrf_exempt
def upload(request):
    name = default_storage.save(request.GET["name"], ContentFile(request.body))
    return JsonResponse({"url": default_storage.url(name)})
