"""The web container's health check: the login page answers 200 through the real middleware.

Stdlib only. It asks as the first allowed host, over "https" as the TLS proxy would say, so
that host validation and the HTTPS redirect let the request through.
"""

import http.client
import os
import sys


def main() -> int:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=4)
    try:
        connection.request(
            "GET", "/accounts/login/", headers={"Host": host, "X-Forwarded-Proto": "https"}
        )
        status = connection.getresponse().status
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: /accounts/login/ answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
