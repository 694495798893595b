"""The served OpenAPI document is valid, and real responses conform to it.

Starts `standpoint serve` (the release binary `make test` has just built, or $STANDPOINT_BIN)
with the shipped models, validates `GET /openapi.json` with openapi-spec-validator, then checks
each endpoint's real response against the schema the document declares for it (jsonschema,
draft 2020-12, with `#/components/...` references resolved inside the document).

Outside CI the module is skipped when the binary, the base encoder or ../shared is missing; in
CI (the CI variable set) they must be there.
"""

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("STANDPOINT_BIN", ROOT / "target" / "release" / "standpoint"))
SEED = ROOT.parent / "shared" / "articles" / "kennebunkport-2007.txt"
EXAMPLE = ROOT / "examples" / "trade-summit.txt"
BASE = ROOT / "models" / "base" / "all-MiniLM-L6-v2" / "model.safetensors"


def _missing():
    needs = {"the release binary (cargo build --release)": BINARY, "the base encoder (scripts/fetch-base-model)": BASE, "../shared": SEED}
    missing = [what for what, path in needs.items() if not path.exists()]
    for module in ["openapi_spec_validator", "jsonschema"]:
        try:
            __import__(module)
        except ImportError:
            missing.append(f"the Python package {module} (pip install openapi-spec-validator)")
    return missing


if _missing():
    if os.environ.get("CI"):
        raise RuntimeError(f"required in CI: {', '.join(_missing())}")
    pytest.skip(f"not available: {', '.join(_missing())}", allow_module_level=True)

import jsonschema  # noqa: E402
import openapi_spec_validator  # noqa: E402


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(port, method, path, body=None, content_type="application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    process = subprocess.Popen(
        [str(BINARY), "serve", "--port", str(port), "--threads", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"standpoint serve exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
            try:
                if _call(port, "GET", "/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("standpoint serve was not ready within 120 s")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def document(server):
    status, _, body = _call(server, "GET", "/openapi.json")
    assert status == 200
    return json.loads(body)


def _response_schema(document, path, method, status, media="application/json"):
    """The schema the document declares, followed through a `$ref` to components/responses."""
    response = document["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        pointer = response["$ref"].lstrip("#/").split("/")
        response = document
        for part in pointer:
            response = response[part]
    return response["content"][media]["schema"]


def _check(document, path, method, status, instance):
    """Validate `instance` against the declared schema, resolving refs inside the document."""
    schema = _response_schema(document, path, method, status)
    # The schema's `#/components/...` references resolve against the whole document, so the
    # document itself is the root, pointing at the schema under check.
    wrapped = dict(document, **{"$id": "urn:standpoint:check", "$ref": "#/x-check", "x-check": schema})
    validator = jsonschema.Draft202012Validator(wrapped)
    errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))
    assert not errors, f"{method.upper()} {path} {status}: " + "; ".join(
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}" for error in errors[:5]
    )


def test_served_document_passes_a_standard_openapi_validator(document):
    assert document["openapi"].startswith("3.1")
    openapi_spec_validator.validate(document)


def test_analyze_responses_conform_for_the_example_and_the_seed(server, document):
    for article in [EXAMPLE, SEED]:
        text = article.read_text(encoding="utf-8")
        status, content_type, body = _call(server, "POST", "/v1/analyze", {"text": text, "id": article.stem})
        assert status == 200, body[:500]
        assert content_type.startswith("application/json")
        report = json.loads(body)
        assert report["table"], f"{article.name}: an empty table would check little"
        _check(document, "/v1/analyze", "post", 200, report)
    # The text/plain form answers with the same schema.
    status, _, body = _call(server, "POST", "/v1/analyze", EXAMPLE.read_bytes(), "text/plain")
    assert status == 200
    _check(document, "/v1/analyze", "post", 200, json.loads(body))


def test_batch_response_conforms_with_reports_and_error_entries(server, document):
    articles = [{"text": EXAMPLE.read_text(encoding="utf-8"), "id": "example"}, {"text": "   ", "id": "empty"}]
    status, _, body = _call(server, "POST", "/v1/analyze/batch", articles)
    assert status == 200, body[:500]
    entries = json.loads(body)
    assert len(entries) == 2 and "table" in entries[0] and "error" in entries[1]
    _check(document, "/v1/analyze/batch", "post", 200, entries)


def test_model_packs_health_and_ready_conform(server, document):
    for path in ["/v1/model", "/v1/packs", "/health", "/ready"]:
        status, _, body = _call(server, "GET", path)
        assert status == 200, path
        _check(document, path, "get", 200, json.loads(body))


def test_error_responses_conform(server, document):
    cases = [
        ("/v1/analyze", "post", {"text": ""}, 422),
        ("/v1/analyze", "post", b"{not json", 400),
        ("/v1/analyze", "post", {"text": "Putin spoke.", "pack": "no-such-pack"}, 422),
        ("/v1/tables", "get", None, 503),  # no --db
    ]
    for path, method, body, expected in cases:
        status, content_type, answer = _call(server, method.upper(), path, body)
        assert status == expected, (path, status, answer[:300])
        assert content_type.startswith("application/json")
        _check(document, path, method, expected, json.loads(answer))
