"""ffprobe/ffmpeg for untrusted uploads: probing with limits, the HLS ladder, images."""
