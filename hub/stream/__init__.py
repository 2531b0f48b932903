"""The event stream: topic layout and admin, publishing, consumers."""
