"""The Python SDK's own client (`mcp` from PyPI) run against a server the way a Python MCP client would.

    client.py URL --token TOKEN [--ca FILE] [--connect-to HOST:PORT] [--progress-steps N]

Opens a session at URL with the SDK's Client over its Streamable HTTP transport, lists the tools,
calls `echo` and `whoami`, and with --progress-steps calls `count` and records when each progress
notification arrived. Prints one JSON object on stdout; a failure prints {"error": ...} and exits 1.
--connect-to sends every request to HOST:PORT while keeping the URL's host for TLS (SNI and the
certificate check) and the Host header, as a resolver entry would.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import time

import anyio
import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client


class ConnectTo(httpx2.AsyncBaseTransport):
    """Sends each request to a fixed address; TLS still checks the certificate for the URL's host."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, host: str, port: int) -> None:
        self._inner = inner
        self._host = host
        self._port = port

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.extensions = {**request.extensions, "sni_hostname": request.url.host}
        request.url = request.url.copy_with(host=self._host, port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


# The SDK reports any refused request as "Server returned an error response"; the statuses say which.
refusals: list[str] = []


async def note_refusal(response: httpx2.Response) -> None:
    if response.status_code >= 400:
        refusals.append(f"HTTP {response.status_code} for {response.request.method}")


def http_client(args: argparse.Namespace) -> httpx2.AsyncClient:
    context = ssl.create_default_context()
    if args.ca:
        context.load_verify_locations(cafile=args.ca)
    transport: httpx2.AsyncBaseTransport = httpx2.AsyncHTTPTransport(verify=context)
    if args.connect_to:
        host, _, port = args.connect_to.rpartition(":")
        transport = ConnectTo(transport, host, int(port))
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    return httpx2.AsyncClient(
        transport=transport,
        headers=headers,
        timeout=httpx2.Timeout(30, read=60),
        event_hooks={"response": [note_refusal]},
    )


def text_of(result) -> str:
    return result.content[0].text


async def session(args: argparse.Namespace) -> dict:
    report: dict = {}
    async with http_client(args) as http:
        async with Client(streamable_http_client(args.url, http_client=http)) as client:
            report["server"] = client.server_info.name if client.server_info else None
            report["protocolVersion"] = client.protocol_version
            report["tools"] = sorted(tool.name for tool in (await client.list_tools()).tools)
            report["echo"] = text_of(await client.call_tool("echo", {"text": args.echo}))
            report["whoami"] = json.loads(text_of(await client.call_tool("whoami", {})))
            if args.progress_steps:
                started = time.monotonic()
                arrivals: list[int] = []

                async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                    arrivals.append(round((time.monotonic() - started) * 1000))

                await client.call_tool(
                    "count", {"steps": args.progress_steps, "intervalMs": 1000}, progress_callback=on_progress
                )
                report["progress"] = {"arrivals": arrivals, "ended": round((time.monotonic() - started) * 1000)}
    return report


def causes(error: BaseException) -> list[BaseException]:
    """The leaf exceptions of an error: the SDK's task groups nest the cause in ExceptionGroups."""
    inner = getattr(error, "exceptions", None)
    return [leaf for e in inner for leaf in causes(e)] if inner else [error]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--token")
    parser.add_argument("--ca")
    parser.add_argument("--connect-to")
    parser.add_argument("--echo", default="from the Python SDK's client")
    parser.add_argument("--progress-steps", type=int, default=0)
    args = parser.parse_args()
    try:
        report = anyio.run(session, args)
    except BaseException as error:
        reasons = [f"{type(c).__name__}: {c}" for c in causes(error)]
        print(json.dumps({"error": "; ".join(reasons + refusals)}))
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
