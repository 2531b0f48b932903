"""``hub demo``: local replays of recorded platform responses, registered, synced and shown, all offline."""
