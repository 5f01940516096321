"""An MCP server as a server author would write it with the official Python SDK (`mcp` on PyPI),
deployable on the platform (docs/02-development/server-contract.md): Streamable HTTP at MCP_PATH with
stateful sessions and the SDK's default reply mode (an SSE stream per request), the health path, and
the metrics contract served by prometheus_client. Reads PORT, MCP_PATH, OTEL_SERVICE_NAME and
SOPHIA_LISTEN_HOST (0.0.0.0 in a container; tests start it on 127.0.0.1).

Tools: `echo` (returns its text), `whoami` (the replica answering and the client the edge named),
`count` (a progress notification every `intervalMs` for `steps` steps, then the total).
POST /fault makes the server count one failing (503) request a second from then on, so that the
platform's error-budget alerts fire in the engine tier.
"""

import asyncio
import json
import os
import signal
import socket
import sys
import threading
import time

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# The metrics contract (components/monitoring/metricsContract.ts); the server test checks every name
# the platform's rules and dashboards read is here.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10)
CLIENT_HEADER = "x-sophia-client"

env = os.environ
NAME = env.get("OTEL_SERVICE_NAME", "python-sdk-server")
MCP_PATH = env.get("MCP_PATH", "/mcp")
# The catalog's defaults for healthPath and metricsPath (the platform passes neither).
HEALTH_PATH = "/health"
METRICS_PATH = "/metrics"

registry = CollectorRegistry()
ProcessCollector(registry=registry)  # process_cpu_seconds_total, process_resident_memory_bytes
requests_total = Counter("http_requests", "HTTP requests served, by status code.", ["code"], registry=registry)
duration = Histogram("http_request_duration_seconds", "HTTP request duration in seconds.", buckets=DURATION_BUCKETS, registry=registry)
# The server caches nothing: its lookups are zero, as the contract asks of a server whose entry says `cache: true`.
Counter("cache_hits", "Cache lookups answered from the cache.", registry=registry)
Counter("cache_misses", "Cache lookups that missed.", registry=registry)

mcp = MCPServer(NAME, version="1.0.0")


@mcp.tool(description="Returns its text")
def echo(text: str) -> str:
    return text


@mcp.tool(description="The replica that answers and the client the edge named")
def whoami(ctx: Context) -> str:
    headers = ctx.headers or {}
    return json.dumps({"sdk": "python", "replica": socket.gethostname(), "pid": os.getpid(), "client": headers.get(CLIENT_HEADER)})


@mcp.tool(description="Sends a progress notification every intervalMs for steps steps, then answers")
async def count(steps: int, ctx: Context, intervalMs: int = 1000) -> str:  # noqa: N803 (the same argument names as the TypeScript server)
    for step in range(1, steps + 1):
        await asyncio.sleep(intervalMs / 1000)
        await ctx.report_progress(step, steps, f"step {step} of {steps} at {int(time.time() * 1000)}")
    return f"counted {steps} steps"


@mcp.custom_route(HEALTH_PATH, methods=["GET"])
async def health(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@mcp.custom_route(METRICS_PATH, methods=["GET"])
async def metrics(_request: Request) -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


failing = threading.Event()


def fail_every_second() -> None:
    while True:
        requests_total.labels(code="503").inc()
        duration.observe(0.001)
        time.sleep(1)


@mcp.custom_route("/fault", methods=["POST"])
async def fault(_request: Request) -> Response:
    if not failing.is_set():
        failing.set()
        threading.Thread(target=fail_every_second, daemon=True).start()
    return JSONResponse({"failing": True}, status_code=202)


class CountRequests:
    """ASGI middleware: every request but health and metrics, counted once with its status when it completes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in (HEALTH_PATH, METRICS_PATH):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            requests_total.labels(code=str(status["code"])).inc()
            duration.observe(time.perf_counter() - started)


def main() -> None:
    host = env.get("SOPHIA_LISTEN_HOST", "0.0.0.0")
    # The edge checks tokens and hosts; behind it the Host header is the public name, so the SDK's
    # DNS-rebinding check (meant for servers on a desktop's localhost) is off.
    app = mcp.streamable_http_app(
        streamable_http_path=MCP_PATH,
        host=host,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    # As PID 1 of its container, the process gets no default signal handlers: stop promptly when asked.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(CountRequests(app), host=host, port=int(env.get("PORT", "8080")), log_level="warning")


if __name__ == "__main__":
    main()
