"""The shop Django project (apps/shop) as the site role deploys it, and its v2: what test_django.py and
bench/deploy.py both deploy."""
import re

PORT = 8090

V2_MIGRATION = '''from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.AddField(model_name="item", name="price", field=models.IntegerField(null=True))]
'''


def entry(shop, **keys):
    """The site role's entry for the shop copied to shop["src"], against the database at shop["db"]."""
    return {"name": "shop", "server_name": "shop.test", "port": PORT, "src": str(shop["src"]),
            "wsgi_module": "shop.wsgi:application", "requirements": "requirements.txt", "health_url": "/health",
            "environment": {"SHOP_SECRET_KEY": "test-only-" + shop["password"], "SHOP_DB_HOST": shop["db"],
                            "SHOP_DB_PASSWORD": shop["password"]},
            "build_commands": ["python manage.py collectstatic --noinput"],
            "release_commands": ["python manage.py migrate --noinput"],
            "shared": [{"name": "media", "env": "MEDIA_ROOT", "link": "media", "mode": "0755"}],
            "static": [{"url": "/static", "path": "staticfiles"}, {"url": "/media", "path": "media"}],
            "daemon": {"processes": 2, "threads": 4}, **keys}


def set_version(src, name):
    views = src / "catalog" / "views.py"
    views.write_text(re.sub(r'^VERSION = ".*"$', f'VERSION = "{name}"', views.read_text(), flags=re.M))


def make_v2(src):
    """v2 of the shop in src: an additive migration (a nullable column) and a new stylesheet."""
    (src / "catalog" / "migrations" / "0002_item_price.py").write_text(V2_MIGRATION)
    models = src / "catalog" / "models.py"
    models.write_text(models.read_text() + "    price = models.IntegerField(null=True)\n")
    css = src / "catalog" / "static" / "catalog" / "shop.css"
    css.write_text(css.read_text() + "li { margin: 0; }\n")
    set_version(src, "v2")
