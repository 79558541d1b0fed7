#!/usr/bin/env bats
# berth import http://...: libcurl streams the tarball into the import.  Every URL here is
# on 127.0.0.1: a python3 http.server started per test on a port the kernel picks.

load helpers

# serve DIR: SimpleHTTPRequestHandler on 127.0.0.1:0 serving DIR, plus two redirects:
# /to-file -> file://DIR/rootfs.tar.gz and /to-tar -> /rootfs.tar.gz; /short promises 10 MB
# and sends the first 64 KiB of rootfs.tar.gz, then closes.  Sets $PORT.
serve() {
        cat >"$T/server.py" <<'PY'
import functools, http.server, sys
d = sys.argv[1]
class H(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        loc = {"/to-file": "file://" + d + "/rootfs.tar.gz", "/to-tar": "/rootfs.tar.gz"}.get(self.path)
        if loc:
            self.send_response(302)
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "10000000")
            self.end_headers()
            self.wfile.write(open(d + "/rootfs.tar.gz", "rb").read(65536))
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=d))
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
        python3 "$T/server.py" "$1" "$T/port" >/dev/null 2>&1 &
        SERVER_PID=$!
        for _ in $(seq 100); do
                [ -s "$T/port" ] && break
                sleep 0.05
        done
        PORT=$(cat "$T/port")
        [ -n "$PORT" ]
}

setup() {
        image_setup
        mkdir -p "$T/www"
        tar -C "$BERTH_ROOTFS_SRC" --numeric-owner -czf "$T/www/rootfs.tar.gz" .
        serve "$T/www"
        URL=http://127.0.0.1:$PORT
}

teardown() {
        [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
        image_teardown
}

@test "import URL: the image, its size, layer and history match a file import" {
        run b import "$URL/rootfs.tar.gz" app:1
        [ "$status" -eq 0 ]
        [[ "${lines[-1]}" =~ ^sha256:[0-9a-f]{64}$ ]]
        local id=${lines[-1]}
        run b import "$T/www/rootfs.tar.gz" app:file
        [ "$status" -eq 0 ]
        assert_eq "$(b images --format '{{.ID}}' app:1)" "${id:7:12}"
        assert_eq "$(b image inspect -f '{{json .RootFS.Layers}}' app:1)" \
                "$(b image inspect -f '{{json .RootFS.Layers}}' app:file)"
        local size
        size=$(b image inspect -f '{{.Size}}' app:1)
        [ "$size" -gt 1000000 ]
        assert_eq "$size" "$(b image inspect -f '{{.Size}}' app:file)"
        assert_eq "$(b history --no-trunc --format '{{.CreatedBy}}' app:1)" \
                "Imported from $URL/rootfs.tar.gz"
}

@test "import URL: -c, -m, a followed redirect, progress is plain off a terminal" {
        run b import -c 'CMD ["sh"]' -m "from the web" "$URL/to-tar" app:2
        [ "$status" -eq 0 ]
        assert_eq "$(b image inspect -f '{{json .Config.Cmd}}' app:2)" '["sh"]'
        assert_eq "$(b history --format '{{.Comment}}' app:2)" "from the web"
        [[ "$output" != *$'\r'* ]]
        [[ "$output" != *$'\033'* ]]
}

@test "import URL: HTTP 404 fails with the status and URL, and stores no image" {
        run b import "$URL/nothere.tar" app:3
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: import $URL/nothere.tar: HTTP 404"
        run b images -q
        assert_eq "$output" ""
}

@test "import URL: a download cut short fails and stores no image" {
        run b import "$URL/short" app:5
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: import $URL/short: "
        run b images -q
        assert_eq "$output" ""
}

@test "import URL: ftp://, a redirect to file://, credentials in the URL are refused" {
        run b import "ftp://127.0.0.1:$PORT/rootfs.tar.gz"
        [ "$status" -eq 1 ]
        assert_contains "$output" "importing from 'ftp' URLs is not supported"
        run b import "$URL/to-file" app:4
        [ "$status" -eq 1 ]
        assert_contains "$output" "berth: import $URL/to-file: "
        assert_contains "$output" "only http and https URLs are followed"
        run b import "http://me:secret@127.0.0.1:$PORT/rootfs.tar.gz"
        [ "$status" -eq 1 ]
        assert_contains "$output" "carries credentials"
        run b images -q
        assert_eq "$output" ""
}
