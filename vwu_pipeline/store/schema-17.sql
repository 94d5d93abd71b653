-- A new store at schema version 17: what the migrations make of an empty database (migrations.py, `make shipped`).
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER,
    status TEXT NOT NULL,             -- accepted | refused
    unit_code TEXT,
    period TEXT,
    year INTEGER,
    rows INTEGER,
    ingested_at TEXT NOT NULL
, feedback TEXT, tree TEXT, indicators TEXT, signed_on TEXT, modified TEXT, version_key TEXT, digest TEXT, run_id INTEGER, withdrawn INTEGER NOT NULL DEFAULT 0, on_purpose INTEGER NOT NULL DEFAULT 0, rekeyed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX files_by_sha ON files (sha256, status);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id),
    unit_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    indicator TEXT NOT NULL,
    current INTEGER NOT NULL DEFAULT 1,   -- 0 once a newer file replaced it
    replaced_by INTEGER REFERENCES submissions (id),
    ingested_at TEXT NOT NULL
, tree TEXT, digest TEXT, version_key TEXT);
CREATE INDEX submissions_by_key ON submissions (unit_code, period, indicator, current);
CREATE INDEX submissions_by_year ON submissions (year, current);
CREATE TABLE problems (
    file_id INTEGER NOT NULL REFERENCES files (id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    row INTEGER,
    column TEXT,
    value TEXT,
    message_vi TEXT,
    message_en TEXT
, column_index INTEGER);
CREATE INDEX problems_by_file ON problems (file_id);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT                      -- counts, JSON
, exit_code INTEGER, message TEXT);
CREATE TABLE aggregates (
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,          -- '00' is the national total
    level TEXT NOT NULL,              -- national | province | district | commune
    column TEXT NOT NULL,             -- a column, derived figure, ratio or threshold count
    value REAL NOT NULL,
    previous REAL,                    -- the same figure of the previous year
    partial INTEGER NOT NULL DEFAULT 0  -- 1 when some reporting units under it did not submit
, period TEXT, previous_partial INTEGER NOT NULL DEFAULT 0, lfl_value REAL, lfl_previous REAL, lfl_units INTEGER NOT NULL DEFAULT 0, lfl_lowest INTEGER NOT NULL DEFAULT 0, lfl_reason TEXT NOT NULL DEFAULT '', tree TEXT, months INTEGER NOT NULL DEFAULT 4095);
CREATE INDEX aggregates_by_year ON aggregates (year, indicator);
CREATE TABLE completeness (
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    level TEXT NOT NULL,
    expected INTEGER NOT NULL,        -- reporting units (districts; provinces from 2025) concerned
    submitted INTEGER NOT NULL,
    grassroots_expected INTEGER NOT NULL,  -- lowest-level units under it
    grassroots_reported INTEGER NOT NULL   -- ... that have figures
, period TEXT, tree TEXT);
CREATE INDEX completeness_by_year ON completeness (year, indicator);
CREATE TABLE outliers (
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    column TEXT NOT NULL,
    value REAL NOT NULL,
    reference REAL NOT NULL,          -- previous year's figure, or the siblings' median
    kind TEXT NOT NULL                -- jump | siblings
, period TEXT, tree TEXT);
CREATE TABLE "aggregations" ( period TEXT PRIMARY KEY, year INTEGER NOT NULL, tree TEXT NOT NULL, outlier_factor REAL NOT NULL, previous_year INTEGER, data_version INTEGER NOT NULL, summary TEXT, aggregated_at TEXT NOT NULL, inputs TEXT NOT NULL DEFAULT '');
CREATE INDEX aggregates_by_period ON aggregates (period);
CREATE INDEX completeness_by_period ON completeness (period);
CREATE INDEX outliers_by_period ON outliers (period);
CREATE TABLE targets (
    year INTEGER NOT NULL,
    tree TEXT NOT NULL,               -- legacy | 2025: 2025 targets may be set on either tree
    unit_code TEXT NOT NULL,          -- '00' for national
    column TEXT NOT NULL,
    target REAL NOT NULL,
    file TEXT,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (year, tree, unit_code, column)
);
CREATE INDEX files_by_digest ON files (digest);
CREATE TABLE withdrawals ( id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files (id), action TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL, reason TEXT);
CREATE TABLE aggregation_columns ( period TEXT NOT NULL, year INTEGER NOT NULL, frame TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (period, frame, name));
CREATE TABLE file_stats ( path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, device INTEGER NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE "figures" ( submission_id INTEGER NOT NULL REFERENCES submissions (id), unit_code TEXT NOT NULL, unit_name TEXT, sheet TEXT NOT NULL, row INTEGER NOT NULL, columns TEXT NOT NULL, vals BLOB NOT NULL, width INTEGER NOT NULL, current INTEGER NOT NULL DEFAULT 1);
CREATE INDEX figures_by_submission ON figures (submission_id);
