from django.shortcuts import render

from .models import Item


def items(request):
    return render(request, "page/items.html", {"items": Item.objects.order_by("id")[:50]})
