"""The ingest's rules without processes: publish authorisation and holding, the grace, the
recording; the ladder plan, its ffmpeg command and master playlist; nginx's stat and config."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic

from kino.commands.live import LiveStreams
from kino.domain.errors import ConflictError, ForbiddenError
from kino.domain.live import LiveStatus, LiveStream, recording_key
from kino.infrastructure.live.ladder import ladder_command, master_playlist, plan_rungs
from kino.infrastructure.live.nginx import NginxPlan, render_config
from kino.infrastructure.live.segments import SegmentMirror
from kino.infrastructure.live.stat import SourceInfo, parse_stat
from kino.infrastructure.settings import Settings, SettingsError
from kino.infrastructure.storage.filesystem import FilesystemStore


@pytest.fixture
def live() -> LiveStreams:
    return LiveStreams(env={})


def test_publish_is_held_by_one_ingest_and_sessions_count(live):
    made = live.create_stream(uuid4(), "t")
    grant = live.accept_publish(made.stream_key, "a")
    assert (grant.stream_id, grant.session, grant.save_recording) == (made.stream_id, 1, True)
    with pytest.raises(ConflictError):
        live.accept_publish(made.stream_key, "b")  # another ingest: held
    assert live.accept_publish(made.stream_key, "a").session == 2  # the holder restarted
    live.stop_publish(made.stream_id, 2)
    assert live.accept_publish(made.stream_key, "b").session == 3  # free again: anyone
    with pytest.raises(ForbiddenError):
        live.accept_publish("live_wrong", "a")


def test_the_grace_ends_only_without_a_newer_session(live):
    made = live.create_stream(uuid4(), "t")
    live.accept_publish(made.stream_key, "a")
    live.report_live(made.stream_id)
    live.stop_publish(made.stream_id, 1)
    live.accept_publish(made.stream_key, "a")  # reconnected within the grace
    assert live.end_after_grace(made.stream_id, 1) is False
    assert live.get_stream(made.stream_id).status is LiveStatus.LIVE
    live.stop_publish(made.stream_id, 2)
    assert live.end_after_grace(made.stream_id, 2) is True
    assert live.is_ended(made.stream_id)
    with pytest.raises(ForbiddenError):  # an ended stream's key is refused
        live.accept_publish(made.stream_key, "a")
    video = uuid4()
    live.attach_recording(made.stream_id, video)
    live.attach_recording(made.stream_id, uuid4())  # only the first sticks
    assert live.get_stream(made.stream_id).recording_id == video


def test_save_recording_is_kept_and_old_streams_were_not_recorded(live):
    made = live.create_stream(uuid4(), "t", save_recording=False)
    assert live.get_stream(made.stream_id).save_recording is False
    state = {"owner_id": uuid4(), "title": "t", "description": "", "key_hash": "h"}
    LiveStream.Created.upcast_v1_v2(state)
    assert state["save_recording"] is False
    assert get_topic(LiveStream.Created).startswith("kino.domain.live:")
    assert recording_key(made.stream_id, 3).endswith("/recording/s0003.flv")


def test_rungs_are_capped_at_the_source_and_keep_its_shape():
    source = SourceInfo(width=640, height=360, fps=30, video_codec="H264", metadata=True)
    rungs = plan_rungs(source, (720, 480, 360, 240))
    assert [(r.name, r.width, r.height) for r in rungs] == [
        ("360p", 640, 360),
        ("240p", 426, 240),
    ]
    assert [r.height for r in plan_rungs(SourceInfo(width=320, height=180), (720,))] == [180]
    big = plan_rungs(SourceInfo(width=3840, height=2160, fps=60), (720, 480, 360))
    assert [r.height for r in big] == [720, 480, 360]


def test_the_ladder_command_and_master_playlist():
    source = SourceInfo(width=1280, height=720, fps=30)
    rungs = plan_rungs(source, (720, 360))
    argv = ladder_command(
        "rtmp://127.0.0.1:1/live/x-s2",
        Path("/out"),
        rungs,
        session=2,
        segment_seconds=1,
        audio=True,
        source=source,
        resume=True,
    )
    text = " ".join(argv)
    assert "split=2" in text and "scale=1280:720" in text and "scale=640:360" in text
    assert "fps=" not in text and "-skip_loop_filter" not in argv
    assert "-force_key_frames:v:1 expr:gte(t,n_forced*1)" in text
    assert "-sc_threshold:v:0 0" in text and "copy" not in argv
    assert "append_list+discont_start" in text and "program_date_time" in text
    assert "/out/%v/s2_%d.ts" in text
    assert "v:0,name:720p,agroup:aud v:1,name:360p,agroup:aud a:0,agroup:aud,name:audio" in text
    assert argv.count("-map") == 3  # audio mapped (and encoded) once
    master = master_playlist(rungs, audio=True)
    assert master.count("#EXT-X-STREAM-INF") == 2
    assert "RESOLUTION=1280x720" in master and 'CODECS="avc1.4d4028,mp4a.40.2"' in master
    assert 'URI="audio/index.m3u8"' in master
    assert "TYPE=AUDIO" not in master_playlist(rungs, audio=False)


def test_an_h264_source_at_the_top_size_is_passed_through():
    source = SourceInfo(1280, 720, 30.0, "H264", "AAC", 3_000_000, True, "High", 0, "3.1")
    assert source.rfc6381 == "avc1.64001f"
    rungs = plan_rungs(source, (720, 360), passthrough=True)
    assert rungs[0].copy and rungs[0].codec == "avc1.64001f" and rungs[0].bitrate == 3_000_000
    assert not rungs[1].copy
    argv = ladder_command(
        "rtmp://x", Path("/o"), rungs, session=1, segment_seconds=1, audio=True,
        source=source, resume=False,
    )  # fmt: skip
    text = " ".join(argv)
    assert "-map 0:v:0 -c:v:0 copy" in text and "scale=640:360,split=1[v1]" in text
    assert "-c:v:1 libx264" in text and "-force_key_frames:v:0" not in text
    assert 'CODECS="avc1.64001f,mp4a.40.2"' in master_playlist(rungs, audio=True)
    assert not plan_rungs(source, (480, 360), passthrough=True)[0].copy  # capped: encoded
    unknown = SourceInfo(1280, 720, 30.0, "H264", metadata=True)  # no profile: no CODECS
    assert not plan_rungs(unknown, (720,), passthrough=True)[0].copy
    only = ladder_command(
        "rtmp://x", Path("/o"), plan_rungs(source, (720,), passthrough=True), session=1,
        segment_seconds=1, audio=False, source=source, resume=False,
    )  # fmt: skip
    assert "-filter_complex" not in only


def test_stat_page_parsing():
    body = b"""<rtmp><server><application><name>live</name><live>
      <stream><name>abc-s1</name><bw_in>800000</bw_in><meta><video><width>640</width>
      <height>360</height><frame_rate>30</frame_rate><codec>H264</codec></video>
      <audio><codec>AAC</codec></audio></meta></stream>
      <stream><name>tone-s1</name><meta><audio><codec>AAC</codec></audio></meta></stream>
      <stream><name>early-s1</name></stream>
    </live></application></server></rtmp>"""
    streams = parse_stat(body)
    assert streams["abc-s1"] == SourceInfo(640, 360, 30.0, "H264", "AAC", 800000, True)
    assert not streams["tone-s1"].has_video and streams["tone-s1"].metadata
    assert not streams["early-s1"].metadata


def test_nginx_config_is_private_and_calls_back(tmp_path):
    plan = NginxPlan(tmp_path / "run", tmp_path / "rec", "0.0.0.0", 1935, 9001, "http://cb")
    config = render_config(plan)
    for line in (
        "daemon off;",
        "master_process off;",
        "worker_processes 1;",
        "listen 0.0.0.0:1935;",
        "idle_streams off;",
        "on_publish http://cb/on_publish;",
        "on_update http://cb/on_update;",
        "deny play all;",
        f"record_path {tmp_path / 'rec'};",
        "listen 127.0.0.1:9001;",
    ):
        assert line in config


def test_nginx_writes_only_under_its_own_directories(tmp_path):
    """The image runs the ingest as UID 10001 on a read-only root: nginx must not open a log
    or temp file in its compiled-in places (/var/log/nginx, /var/lib/nginx). nginx-rtmp opens
    its own access log (default /var/log/nginx/access.log) unless told not to."""
    plan = NginxPlan(tmp_path / "run", tmp_path / "rec", "0.0.0.0", 1935, 9001, "http://cb")
    config = render_config(plan)
    rtmp = config[config.index("rtmp {") : config.index("http {")]
    http = config[config.index("http {") :]
    assert "access_log off;" in rtmp.split("server {")[0]
    assert "access_log off;" in http
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        assert f"{name}_temp_path {tmp_path / 'run'}" in http
    paths = re.findall(r"(?<=\s)/[\w./-]+", config)
    allowed = (str(tmp_path), "/usr/lib/nginx/modules/", "/stat")
    assert paths and all(path.startswith(allowed) for path in paths), paths


def test_segments_are_stored_before_the_playlist_that_names_them(tmp_path):
    order: list[str] = []

    class Recording(FilesystemStore):
        def put_file(self, key, path, content_type, *, move=False):
            order.append(key)
            super().put_file(key, path, content_type, move=move)

        def put_bytes(self, key, data, content_type):
            order.append(key)
            super().put_bytes(key, data, content_type)

    store = Recording(tmp_path / "store")
    out = tmp_path / "out" / "360p"
    out.mkdir(parents=True)
    for n in range(10):
        (out / f"s1_{n}.ts").write_bytes(b"G" * 10)
    mirror = SegmentMirror(store, tmp_path / "out", "live/x/hls/", ["360p"])
    (out / "index.m3u8").write_text("#EXTM3U\n#EXTINF:1,\ns1_0.ts\n#EXTINF:1,\ns1_1.ts\n")
    assert mirror.sync() == {"360p": 2}
    assert order == [
        "live/x/hls/360p/s1_0.ts",
        "live/x/hls/360p/s1_1.ts",
        "live/x/hls/360p/index.m3u8",
    ]
    window = "".join(f"#EXTINF:1,\ns1_{n}.ts\n" for n in range(5, 7))
    (out / "index.m3u8").write_text("#EXTM3U\n" + window)
    mirror.sync()
    kept = {info.key.rsplit("/", 1)[1] for info in store.list("live/x/hls/360p/")}
    assert kept == {"index.m3u8", "s1_0.ts", "s1_1.ts", "s1_5.ts", "s1_6.ts"}  # retired, kept
    (out / "index.m3u8").write_text("#EXTM3U\n#EXTINF:1,\ns1_9.ts\n")
    mirror.sync()
    kept = {info.key.rsplit("/", 1)[1] for info in store.list("live/x/hls/360p/")}
    assert "s1_0.ts" not in kept and "s1_9.ts" in kept


def test_live_settings():
    settings = Settings.from_env(
        {
            "KINO_SECRET_KEY": "k" * 40,
            "KINO_LIVE_LADDER": "360, 720,240",
            "KINO_LIVE_RECONNECT_SECONDS": "5",
        }
    )
    assert settings.live.ladder == (720, 360, 240)
    assert settings.live.reconnect_seconds == 5 and settings.live.segment_seconds == 1
    assert settings.live.ingest_id
    with pytest.raises(SettingsError):
        Settings.from_env({"KINO_SECRET_KEY": "k" * 40, "KINO_LIVE_LADDER": "720p"})


async def test_an_encoder_below_the_sources_pace_drops_its_highest_rung(tmp_path, monkeypatch):
    from kino.commands.live import PublishGrant
    from kino.workers import live_session
    from kino.workers.live_session import LiveSession, SessionPlan, StreamMedia

    ticks = iter(range(1000))
    monkeypatch.setattr(live_session.time, "monotonic", lambda: float(next(ticks)))
    store = FilesystemStore(tmp_path / "store")
    rungs = plan_rungs(SourceInfo(width=1280, height=720, fps=30), (720, 480, 360))
    names = ["720p", "480p", "360p", "audio"]
    media = StreamMedia(SegmentMirror(store, tmp_path / "out", "live/x/hls/", names), rungs)
    store.put_bytes("live/x/hls/720p/index.m3u8", b"#EXTM3U\n", "application/vnd.apple.mpegurl")
    plan = SessionPlan("rtmp://x", "http://stat", tmp_path / "out", (720, 480, 360), 1)

    class Paced(LiveSession):
        """The source arrives ``pace`` seconds per progress line (one fake second each)."""

        pace, arrived = 1.0, 0.0

        @property  # type: ignore[override]
        def received(self) -> float:
            self.arrived += self.pace
            return self.arrived

        @received.setter
        def received(self, value: float) -> None:
            pass

    async def announce() -> None:
        return None

    session = Paced(PublishGrant(uuid4(), 1, uuid4(), "t", True), "x-s1", plan, media, announce)

    class Progress:
        """One out_time line per (fake) second of wall time, advancing ``step`` seconds."""

        def __init__(self, step: float, count: int) -> None:
            self.lines = [f"out_time_us={int(n * step * 1e6)}\n".encode() for n in range(count)]

        def __aiter__(self):
            return self

        async def __anext__(self) -> bytes:
            if not self.lines:
                raise StopAsyncIteration
            return self.lines.pop(0)

    class Process:
        stdout = Progress(0.95, 40)  # keeping up with the source (above 0.9x)

    await session._progress(Process())  # type: ignore[arg-type]
    session.pace, Process.stdout = 0.5, Progress(0.5, 40)  # a slow publisher, not the encoder
    await session._progress(Process())  # type: ignore[arg-type]
    assert [r.name for r in media.rungs] == ["720p", "480p", "360p"]
    session.pace, Process.stdout = 1.0, Progress(0.5, 20)  # half the source's pace
    await session._progress(Process())  # type: ignore[arg-type]
    assert [r.name for r in media.rungs] == ["480p", "360p"]
    master = b"".join(store.read("live/x/hls/master.m3u8")).decode()
    assert "720p" not in master and "480p/index.m3u8" in master
    # Players on the dropped rung get a 404 (they switch) rather than a playlist that stalls.
    assert store.stat("live/x/hls/720p/index.m3u8") is None
    assert media.mirror.names == ["480p", "360p", "audio"]
