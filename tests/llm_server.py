"""A loopback OpenAI-compatible chat-completions server for the LLM judge's tests (issue 17).

Listens on 127.0.0.1, port 0 (the OS picks one); never touches the network. By default it
answers as a correct judge: the user message (classifiers.llm.request_text of an item) is
looked up in `answers` (request text -> {ai, work, ai_work, topics}); the quotes are copied
from the message's title and lede, so they occur in the item. Knobs for the tests:

- `script`: statuses to answer first, one per request (429, 500, 503, "slow" = sleep past
  the client's timeout, "prose" = the JSON wrapped in prose and a code fence, "garbage" =
  no JSON at all, "invented" = quotes that are not in the item);
- `json_mode`: False -> a 400 "response_format is not supported" when the field is sent;
- `retry_after`: a Retry-After header on 429s; `default`: the answer for unknown messages.

Every request's JSON body is kept in `requests`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def quotes_of(message: str) -> list[str]:
    out = []
    for line in message.splitlines():
        for head in ("Title: ", "Lede: "):
            if line.startswith(head) and line[len(head):].strip():
                out.append(line[len(head):][:120].strip())
    return out


class LLMServer:
    def __init__(self, answers: dict[str, dict] | None = None) -> None:
        self.answers = dict(answers or {})
        self.default = {"ai": False, "work": False, "ai_work": False, "topics": []}
        self.script: list = []
        self.json_mode = True
        self.retry_after: str | None = None
        self.slow_s = 2.0
        self.requests: list[dict] = []
        self.authorization: list[str | None] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._send(400, {"error": {"message": "bad JSON"}})
                with server._lock:
                    server.requests.append(body)
                    server.authorization.append(self.headers.get("Authorization"))
                    step = server.script.pop(0) if server.script else None
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                if "response_format" in body and not server.json_mode:
                    return self._send(400, {"error": {"message": "response_format is not supported"}})
                if isinstance(step, int):
                    headers = {"Retry-After": server.retry_after} if step == 429 and server.retry_after else {}
                    return self._send(step, {"error": {"message": f"scripted {step}"}}, headers)
                if step == "slow":
                    time.sleep(server.slow_s)
                message = body["messages"][-1]["content"]
                answer = dict(server.answers.get(message, server.default))
                answer["quotes"] = (["The quick brown fox says something never written here"]
                                    if step == "invented" else quotes_of(message))
                text = json.dumps(answer)
                if step == "garbage":
                    text = "I think this is probably about AI and jobs, yes."
                elif step == "prose" or "response_format" not in body:
                    text = f"Here is my judgement.\n```json\n{text}\n```\nHope this helps."
                return self._send(200, {"id": "x", "object": "chat.completion",
                                        "choices": [{"index": 0, "finish_reason": "stop",
                                                     "message": {"role": "assistant",
                                                                 "content": text}}]})

            def _send(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "LLMServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
