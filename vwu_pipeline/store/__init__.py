"""The workspace store: SQLite with a schema version and ordered migrations."""
