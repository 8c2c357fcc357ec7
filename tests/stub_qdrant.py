"""A local stand-in for a Qdrant server: the REST API that ``QdrantServerIndex`` uses, answered by
qdrant-client's in-process engine (no Qdrant server binary is available from our package
registries). Several processes (two ``govassist serve``, the test itself) can share it over HTTP,
as they would share a server. Request bodies are parsed with qdrant-client's own REST models and
answers have the server's envelope ({"result", "status", "time"}); with ``api_key`` set, a request
without the ``api-key`` header is refused as the server refuses it.

What it leaves out: every endpoint the index does not call (snapshots, aliases, clusters ...).
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel
from qdrant_client import QdrantClient, models

Route = Callable[[QdrantClient, str, dict[str, Any]], Any]


def _create_collection(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    request = models.CreateCollection.model_validate(body)
    return engine.create_collection(
        name, vectors_config=request.vectors, sparse_vectors_config=request.sparse_vectors
    )


def _create_index(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    request = models.CreateFieldIndex.model_validate(body)
    return engine.create_payload_index(name, request.field_name, request.field_schema)


def _upsert(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    return engine.upsert(name, points=models.PointsList.model_validate(body).points)


def _delete(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    return engine.delete(name, points_selector=models.PointIdsList.model_validate(body))


def _query(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    request = models.QueryRequest.model_validate(body)
    return engine.query_points(
        name,
        query=request.query,
        using=request.using,
        limit=request.limit or 10,
        query_filter=request.filter,
        with_payload=request.with_payload if request.with_payload is not None else True,
    )


def _query_batch(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    return engine.query_batch_points(name, requests=models.QueryRequestBatch.model_validate(body).searches)


def _retrieve(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    request = models.PointRequest.model_validate(body)
    return engine.retrieve(name, ids=request.ids, with_payload=request.with_payload)


def _scroll(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    request = models.ScrollRequest.model_validate(body)
    records, offset = engine.scroll(
        name,
        limit=request.limit or 10,
        offset=request.offset,
        scroll_filter=request.filter,
        with_payload=request.with_payload if request.with_payload is not None else True,
    )
    return {"points": [record.model_dump(mode="json") for record in records], "next_page_offset": offset}


def _count(engine: QdrantClient, name: str, body: dict[str, Any]) -> Any:
    request = models.CountRequest.model_validate(body)
    return engine.count(name, count_filter=request.filter, exact=bool(request.exact))


_COLLECTION = r"/collections/(?P<name>[^/]+)"
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", _COLLECTION + "/exists"): lambda engine, name, _: {"exists": engine.collection_exists(name)},
    ("PUT", _COLLECTION): _create_collection,
    ("DELETE", _COLLECTION): lambda engine, name, _: engine.delete_collection(name),
    ("PUT", _COLLECTION + "/index"): _create_index,
    ("PUT", _COLLECTION + "/points"): _upsert,
    ("POST", _COLLECTION + "/points"): _retrieve,
    ("POST", _COLLECTION + "/points/delete"): _delete,
    ("POST", _COLLECTION + "/points/query"): _query,
    ("POST", _COLLECTION + "/points/query/batch"): _query_batch,
    ("POST", _COLLECTION + "/points/scroll"): _scroll,
    ("POST", _COLLECTION + "/points/count"): _count,
}


def _json(result: Any) -> Any:
    if isinstance(result, list):
        return [_json(item) for item in result]
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else result


def _handler(engine: QdrantClient, lock: threading.Lock, api_key: str | None) -> type[BaseHTTPRequestHandler]:
    version = importlib.metadata.version("qdrant-client")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            path = self.path.split("?", 1)[0]
            if api_key is not None and self.headers.get("api-key") != api_key:
                self._answer(
                    401, {"status": {"error": "Must provide an API key or an Authorization bearer token"}}
                )
                return
            if self.command == "GET" and path == "/":
                self._answer(200, {"title": "qdrant - vector search engine", "version": version})
                return
            for (method, pattern), route in ROUTES.items():
                found = re.fullmatch(pattern, path)
                if method == self.command and found:
                    try:
                        with lock:  # the in-process engine is not thread-safe
                            result = _json(route(engine, found["name"], body))
                    except (ValueError, KeyError) as exc:
                        self._answer(400, {"status": {"error": str(exc)}, "time": 0.0})
                        return
                    self._answer(200, {"result": result, "status": "ok", "time": 0.0})
                    return
            self._answer(404, {"status": {"error": f"no route {self.command} {path}"}})

        do_GET = do_PUT = do_POST = do_DELETE = _route  # noqa: N815 (http.server's naming)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def stub_qdrant_server(api_key: str | None = None) -> Iterator[str]:
    """Yields the server's URL (for ``GOVASSIST_QDRANT__URL``) while the block runs."""
    engine = QdrantClient(location=":memory:")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(engine, threading.Lock(), api_key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        engine.close()
