"""Going live: nginx-rtmp (its config and process), its statistics, the live HLS ladder,
the segments' way into the object store, and the recording's join."""
