from django.http import HttpResponse
from django.shortcuts import render

from .models import Item


def items(request):
    return render(request, "page/items.html", {"items": Item.objects.order_by("id")[:50]})


def ping(request):
    """A request that needs little Python (a health check, a small API answer), for bench/tune.py --beside."""
    return HttpResponse(b"ok", content_type="text/plain")
