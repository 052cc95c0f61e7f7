"""A failing check carries everything a report needs: title, message, check, endpoint,
doc reference, seed, and a curl line that reproduces it with the key redacted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bulkbench.contract.checks import CHECKS
from bulkbench.contract.checks.registry import CheckContext, run_check
from bulkbench.contract.failures import CheckFailure
from bulkbench.contract.redaction import register_secret
from bulkbench.contract.session import SuiteSession
from bulkbench.contract.target import Target
from bulkbench.core.catalog import default_catalog
from bulkbench.core.config import redact

KEY = "wbk_" + "k3y" * 10 + "9876"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"data": {"created": 7, "contacts": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def lying_provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _target(base_url: str) -> Target:
    provider = default_catalog().provider("leadlex")
    return Target(provider=provider, base_url=base_url, keys={"full": KEY},
                  key_env={"full": "LEADLEX_API_KEY"}, lists=(), other_lists=(), timeout=5,
                  seed=7, run_tag=321, max_examples=1, job_timeout=1,
                  job_status_path="/v1/import/jobs/{job_id}", websocket_url=None,
                  rate_limit=None)


def test_a_failure_carries_curl_with_the_key_redacted(lying_provider: str) -> None:
    register_secret(KEY)
    target = _target(lying_provider)
    session = SuiteSession({"leadlex": target}, default_catalog())
    try:
        endpoint = default_catalog().endpoint("leadlex.bulk_create")
        ctx = CheckContext(CHECKS["bulk_create_echo"], endpoint, target, session)
        with pytest.raises(CheckFailure) as caught:
            run_check(ctx)
    finally:
        session.close()
    failure = caught.value
    assert failure.check == "bulk_create_echo"
    assert failure.endpoint == "leadlex.bulk_create"
    assert failure.title == "wrong created count"
    assert failure.seed == 7 and failure.run_tag == 321
    assert failure.doc is not None and failure.doc.seed == endpoint.doc_seed
    assert failure.curl is not None and failure.curl.startswith("curl ")
    assert lying_provider + "/v1/contacts/bulk" in failure.curl
    assert KEY not in failure.curl and redact(KEY) in failure.curl
    assert KEY not in str(failure) and KEY not in str(failure.as_dict())
    assert failure.response is not None and failure.response["status"] == 200
    assert failure.request is not None and "full_name" in failure.request["body"]
