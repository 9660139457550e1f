"""HTTP plumbing: one loopback server for every emulated origin, routed by the host in the path's first segment."""

import json
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .pages import connected_apps_page, index_page
from .platforms import FAMILIES
from .state import Knobs, Store
from .web import Refusal, Response, html_answer, json_answer, parse_request

CONNECTED_APPS_PATH = "/apps"  # every emulated person's "connected apps" settings


class Emulator:
    """Every emulated platform over one memory: routes a request to its platform's handler."""

    def __init__(self):
        self.store = Store()
        self.knobs = Knobs()
        self.families = [family(self) for family in FAMILIES]
        self.routes = [route for family in self.families for route in family.routes()]

    @property
    def hosts(self):
        return sorted({route.host for route in self.routes})

    def route_for(self, method, host, path):
        """(route, match) for a request, else (None, whether the path exists under another method)."""
        exists = False
        for route in self.routes:
            match = route.match(host, path)
            if match and route.method == method:
                return route, match
            exists = exists or bool(match)
        return None, exists

    def connected_apps(self):
        return [app for family in self.families for app in family.connected_apps()]

    def handle(self, request, base_url):
        if request.served_path in ("", "/"):
            return html_answer(index_page(origin_overrides(base_url, self.hosts)))
        if request.served_path == CONNECTED_APPS_PATH:
            return self.handle_connected_apps(request)
        route, match = self.route_for(request.method, request.host, request.path)
        if route is None:
            status = 405 if match else 404
            return json_answer(
                {
                    "error": "not_found",
                    "error_description": f"The emulator serves no {request.method} {request.host}{request.path}",
                },
                status,
            )
        try:
            return route.handler(request, **match.groupdict())
        except Refusal as refusal:
            return route.family.render(refusal, route.kind)

    def handle_connected_apps(self, request):
        apps = self.connected_apps()
        if request.method == "POST":
            number = request.form.get("grant", "")
            if not number.isdigit() or int(number) >= len(apps):
                return html_answer(connected_apps_page(apps), 400)
            apps[int(number)][4]()
            return Response(303, b"", None, (("Location", CONNECTED_APPS_PATH),))
        return html_answer(connected_apps_page(apps))


def origin_overrides(base_url, hosts):
    """OAUTH_ORIGIN_OVERRIDES for an emulator at base_url: each real origin to base_url/<host>.

    So `https://graph.facebook.com/v24.0/me` is served at `<base_url>/graph.facebook.com/v24.0/me`.
    """
    return {f"https://{host}": f"{base_url}/{host}" for host in hosts}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries a Content-Length
    server_version = "OAuthEmulator/1.0"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = parse_request(self.command, self.path, dict(self.headers.items()), body)
        if self.server.emulator.knobs.latency:
            time.sleep(self.server.emulator.knobs.latency)
        try:
            response = self.server.emulator.handle(request, self.server.base_url)
        except Exception as exc:  # a bug in the emulator: say so, keep serving
            traceback.print_exc()
            response = json_answer({"error": "emulator_bug", "error_description": repr(exc)}, 500)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)
        if self.server.log:
            # The path only: queries carry codes, secrets and tokens (Facebook's GET exchange).
            self.server.log(f"{self.command} {request.served_path} {response.status}")

    do_GET = do_POST = do_DELETE = do_PUT = _serve

    def log_message(self, format, *args):
        """http.server's own log would print whole request lines, tokens included: silence it."""


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, emulator, log=None):
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.log = log
        host, port = self.server_address[:2]
        self.base_url = f"http://{host}:{port}"


def json_overrides(base_url, hosts):
    return json.dumps(origin_overrides(base_url, hosts), sort_keys=True)
