"""The listening socket both entry points (worker, demo assistant) serve on, and the URL they print."""
from __future__ import annotations

import socket


def listen_socket(host: str, port: int) -> tuple[socket.socket, str]:
    """A bound TCP socket (port 0 picks a free one) and its http:// URL."""
    # proto IPPROTO_TCP: asyncio only turns Nagle off (TCP_NODELAY) on sockets that say they are TCP; without it
    # every response waits ~40 ms on delayed ACKs.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM,
                         socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return sock, f"http://{shown}:{bound_port}"
