"""A tuspy client process for the tests: ``python tus_client.py URL FILE CHUNK [STOP_AFTER]``.

Prints the server's offset when it starts, then the offset after every chunk; with
STOP_AFTER it stops sending after that many chunks and waits to be killed."""

from __future__ import annotations

import sys
import time

from tusclient import client


def main() -> None:
    url, path, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
    stop_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    base = url.split("/uploads/tus/")[0] + "/uploads/tus"
    uploader = client.TusClient(base).uploader(path, url=url, chunk_size=chunk)
    print("start", uploader.get_offset(), flush=True)
    sent = 0
    while uploader.offset < uploader.get_file_size():
        uploader.upload_chunk()
        sent += 1
        print("offset", uploader.offset, flush=True)
        if stop_after is not None and sent >= stop_after:
            time.sleep(3600)  # the test kills this process here
    print("done", flush=True)


if __name__ == "__main__":
    main()
