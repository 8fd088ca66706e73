"""API -> raw lake: conversation list pages, details, audio and catalogue snapshots."""
