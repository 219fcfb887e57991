"""nginx with the RTMP module, as a child of the ingest: a config generated from settings,
one process in the foreground (``daemon off; master_process off``), everything it writes
in a private run directory, dying with its parent (``die_with_parent``).

Publishes are checked by the ingest's callbacks (``on_publish``: 2xx accepts, 3xx with
``Location: NAME`` renames the stream, anything else refuses; ``on_update`` every
``UPDATE_SECONDS``: non-2xx drops the publisher). Only this machine may play (the ladder).
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from kino.infrastructure.embedded import die_with_parent

MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
UPDATE_SECONDS = 2
APPLICATION = "live"


@dataclass(frozen=True)
class NginxPlan:
    run_dir: Path  # config, pid, logs, temp paths
    record_dir: Path  # the sources as received, one FLV per publish
    rtmp_host: str
    rtmp_port: int
    stat_port: int  # nginx's statistics page, on 127.0.0.1
    callback_url: str  # the ingest's callbacks: http://127.0.0.1:PORT


def render_config(plan: NginxPlan) -> str:
    run, cb = plan.run_dir, plan.callback_url
    temp = "\n".join(
        f"  {name}_temp_path {run / name};" for name in ("client_body", "proxy", "fastcgi")
    )
    return f"""load_module {MODULE};
daemon off;
master_process off;
worker_processes 1;
pid {run / "nginx.pid"};
error_log stderr notice;
events {{ worker_connections 1024; }}
rtmp {{
  access_log off;
  server {{
    listen {plan.rtmp_host}:{plan.rtmp_port};
    chunk_size 4096;
    timeout 15s;
    application {APPLICATION} {{
      live on;
      idle_streams off;
      allow play 127.0.0.1;
      deny play all;
      notify_method post;
      on_publish {cb}/on_publish;
      on_update {cb}/on_update;
      notify_update_timeout {UPDATE_SECONDS}s;
      notify_update_strict on;
      on_publish_done {cb}/on_publish_done;
      record all;
      record_path {plan.record_dir};
      record_unique off;
      record_suffix .flv;
    }}
  }}
}}
http {{
  access_log off;
{temp}
  uwsgi_temp_path {run / "uwsgi"};
  scgi_temp_path {run / "scgi"};
  server {{
    listen 127.0.0.1:{plan.stat_port};
    location /stat {{ rtmp_stat all; }}
  }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None or not MODULE.exists():
        raise RuntimeError(
            "nginx with the RTMP module is not installed (Debian: nginx libnginx-mod-rtmp)"
        )
    return found


async def start_nginx(plan: NginxPlan) -> asyncio.subprocess.Process:
    """Write the config and start nginx; its log lines go to the returned process's stderr."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    plan.record_dir.mkdir(parents=True, exist_ok=True)
    config = plan.run_dir / "nginx.conf"
    config.write_text(render_config(plan))
    return await asyncio.create_subprocess_exec(
        nginx_binary(),
        "-c",
        str(config),
        "-p",
        str(plan.run_dir),
        "-e",
        "stderr",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=die_with_parent,
    )
