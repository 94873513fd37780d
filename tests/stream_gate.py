"""A gate a streaming handler waits at between two chunks, opened by the test only once it has
read the chunk before: the handler's log then says whether each chunk reached the client while
the handler was still running ("gate N: open") or only after it gave up waiting ("gate N: shut",
which a buffered response would cause). Ordering is observed, never timed."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Only a deadlock breaker for a response that does not stream: the test then fails on "shut".
GIVE_UP_S = 30


class Gate:
    def __init__(self):
        self._opened = {}
        self._lock = threading.Lock()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                opened = gate._event(self.path.strip("/")).wait(GIVE_UP_S)
                body = b"open" if opened else b"shut"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _event(self, name):
        with self._lock:
            return self._opened.setdefault(name, threading.Event())

    def open(self, name):
        self._event(str(name)).set()

    def close(self):
        for event in list(self._opened.values()):
            event.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# A Node.js handler that streams three chunks, waiting at the gate after each of the first two.
NODE_HANDLER = """
export const handler = awslambda.streamifyResponse(async (input, responseStream, context) => {
  const event = input.requestContext  // a function URL's event: what to do is in the request's body
    ? JSON.parse(Buffer.from(input.body, input.isBase64Encoded ? "base64" : "utf8").toString())
    : input;
  if (event.prelude) responseStream = awslambda.HttpResponseStream.from(responseStream, event.prelude);
  else responseStream.setContentType("text/plain");
  const parts = ["one,", "two,", "three"];
  for (const [i, part] of parts.entries()) {
    responseStream.write(part);
    console.log(`wrote ${i + 1}`);
    if (event.fail && i === 1) throw new Error("broke after two chunks");
    if (i < parts.length - 1) {
      const gate = await (await fetch(`${event.gate}/${i + 1}`)).text();
      console.log(`gate ${i + 1}: ${gate}`);
    }
  }
  responseStream.end();
  console.log("handler finished");
});
"""
