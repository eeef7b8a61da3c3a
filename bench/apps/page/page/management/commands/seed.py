"""manage.py seed: the 50 rows the page shows (again from scratch on each run)."""
import datetime
import decimal

from django.core.management.base import BaseCommand

from page.models import Item


class Command(BaseCommand):
    help = "Replace the items with 50 fixed rows."

    def handle(self, *args, **options):
        Item.objects.all().delete()
        start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
        Item.objects.bulk_create(
            Item(name=f"item number {n}", price=decimal.Decimal(n * 317 % 10000) / 100, stock=n % 7,
                 added=start + datetime.timedelta(hours=n)) for n in range(1, 51))
