from django.apps import AppConfig


class WsgiExpressConfig(AppConfig):
    name = "wsgi_express.django"
    label = "wsgi_express"
    verbose_name = "wsgi-express"
