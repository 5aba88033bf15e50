"""The article's aiohttp hello server: `/` answers "Hello, Anonymous!", `/{name}` answers
"Hello, {name}!". Run: python hello_server.py --port P (127.0.0.1; SIGTERM stops it)."""

import argparse

from aiohttp import web


async def handle(request):
    name = request.match_info.get("name", "Anonymous")
    return web.Response(text=f"Hello, {name}!")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()
    app = web.Application()
    app.add_routes([web.get("/", handle), web.get("/{name}", handle)])
    # No access log: the article's server has none, and a log line per request would be
    # measured as the server's cost.
    web.run_app(app, host=args.bind, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
