"""The sample app deployed by deploy.yml: a Flask app that says where it runs."""
import os
import pwd
import sys

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/")
def index():
    return jsonify(
        message="Hello from Flask on Apache/mod_wsgi",
        process_group=request.environ.get("mod_wsgi.process_group"),
        mod_wsgi_version=".".join(str(part) for part in request.environ.get("mod_wsgi.version", ())),
        python="%d.%d.%d" % sys.version_info[:3],
        prefix=sys.prefix,
        user=pwd.getpwuid(os.getuid()).pw_name,
        pid=os.getpid(),
        static="/static/hello.txt (served by Apache)",
    )
