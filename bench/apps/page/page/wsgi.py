"""The page's WSGI entry point. Each answer carries X-Thread-CPU-Us: the CPU microseconds the
request's own thread spent in the app until it answered (Django builds the whole response before it
calls start_response), so a benchmark can tell the app's Python time from the server's."""
import os
import time

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "page.settings")
django_application = get_wsgi_application()


def application(environ, start_response):
    started = time.thread_time_ns()

    def timed_start_response(status, headers, exc_info=None):
        used = (time.thread_time_ns() - started) // 1000
        return start_response(status, [*headers, ("X-Thread-CPU-Us", str(used))], exc_info)

    return django_application(environ, timed_start_response)
