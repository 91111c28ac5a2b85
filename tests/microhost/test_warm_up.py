"""microhost/warm_up.py: a fresh web process imports nothing more while it answers its first page, Micropub
create and webmention (each import there was a stall of tens to hundreds of ms, issue 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from accounts.services import create_account
from accounts.tokens import mint_token
from posts.services import create_post
user = create_account(username="warm", email="warm@example.com", password="a-long-test-password-1")
create_post(blog=user.blog, properties={"content": ["Already here"], "category": ["warm"]})
print(mint_token(user=user, scope="create")[0])
"""

# Loads the app as a WSGI server does, then answers the first requests of each kind by calling it.
FIRST_REQUESTS = """
import io, json, sys
from wsgiref.util import setup_testing_defaults

from microhost.wsgi import application

token = sys.argv[1]
answers, imported = [], {}

def call(method, path, body=b"", **headers):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD=method, PATH_INFO=path, HTTP_HOST="warm.example.test",
                   SERVER_NAME="warm.example.test", CONTENT_LENGTH=str(len(body)),
                   CONTENT_TYPE="application/x-www-form-urlencoded", **headers)
    environ["wsgi.input"] = io.BytesIO(body)
    before = set(sys.modules)
    status = []
    body = application(environ, lambda line, headers, exc_info=None: status.append(line))
    b"".join(body)
    body.close()
    answers.append(status[0].split()[0])
    imported[f"{method} {path}"] = sorted(set(sys.modules) - before)

call("GET", "/")
call("POST", "/micropub", b"h=entry&content=first", HTTP_AUTHORIZATION=f"Bearer {token}")
call("POST", "/webmention", b"source=https://elsewhere.example/a&target=http://warm.example.test/")
call("GET", "/feed.json")
print(json.dumps({"answers": answers, "imported": imported}))
"""


def _run(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_first_requests_of_a_fresh_process_import_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_"))}
    env.update(
        MICROHOST_VAR_DIR=str(tmp_path),
        MICROHOST_DOMAIN="example.test",
        MICROHOST_SCHEME="http",
        MEDIA_ROOT=str(tmp_path / "media"),
        DEBUG="0",
        SECRET_KEY="warm-up-test-" + "x" * 50,
    )
    _run(env, "manage.py", "migrate", "--noinput", "-v0")
    token = _run(env, "manage.py", "shell", "-c", SETUP).strip().splitlines()[-1]

    result = json.loads(_run(env, "-c", FIRST_REQUESTS, token).strip().splitlines()[-1])

    assert result["answers"] == ["200", "201", "202", "200"]
    assert result["imported"] == {request: [] for request in result["imported"]}
