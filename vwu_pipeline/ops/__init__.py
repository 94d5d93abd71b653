"""Running vwu: settings, the workspace lock, the log, status."""
