#include "daemon/schema.h"

#include <string>
#include <vector>

namespace jiaoying {
namespace {

// Append only: a released migration never changes, a new one goes at the end.
const std::vector<const char*> kMigrations = {
    // 1: warnings, plan snapshots, callouts, messages, audit events (docs/architecture.md).
    R"sql(
CREATE TABLE warnings (
  id          INTEGER PRIMARY KEY,
  sender      TEXT NOT NULL,
  identifier  TEXT NOT NULL,
  sent        INTEGER NOT NULL,
  source      TEXT NOT NULL,
  hazard      TEXT NOT NULL,
  level       TEXT NOT NULL,
  areas       TEXT NOT NULL,           -- JSON array of division codes
  headline    TEXT NOT NULL,
  description TEXT NOT NULL,
  raw         TEXT NOT NULL,           -- the body as received
  status      TEXT NOT NULL DEFAULT 'actual',  -- CAP status: actual | exercise | test | system | draft
  msg_type    TEXT NOT NULL DEFAULT 'alert',   -- CAP msgType: alert | update | cancel | ack | error
  expires_at  INTEGER,
  supersedes  INTEGER REFERENCES warnings(id), -- the warning an update replaced
  state       TEXT NOT NULL,           -- active | closed | superseded | cancelled | expired
  received_at INTEGER NOT NULL,
  UNIQUE (sender, identifier)
);
CREATE INDEX warnings_expiring ON warnings(expires_at) WHERE state = 'active';
CREATE TABLE plan_snapshots (
  id         INTEGER PRIMARY KEY,
  warning_id INTEGER NOT NULL REFERENCES warnings(id),
  plan_name  TEXT NOT NULL,
  file       TEXT NOT NULL,
  yaml       TEXT NOT NULL,
  UNIQUE (warning_id, plan_name)
);
CREATE TABLE callouts (
  id            INTEGER PRIMARY KEY,
  warning_id    INTEGER NOT NULL REFERENCES warnings(id),
  snapshot_id   INTEGER NOT NULL REFERENCES plan_snapshots(id),
  person_id     TEXT NOT NULL,
  person_name   TEXT NOT NULL,
  zzd_account   TEXT NOT NULL,
  mobile        TEXT NOT NULL,
  area_code     TEXT NOT NULL,
  area_name     TEXT NOT NULL,
  role          TEXT NOT NULL,
  seat          TEXT NOT NULL,
  tier          TEXT NOT NULL,
  kind          TEXT NOT NULL DEFAULT 'primary',  -- primary | deputy | superior | duty_officer
  escalated_from INTEGER REFERENCES callouts(id),  -- the callout whose silence raised this one
  state         TEXT NOT NULL,         -- pending | calling | answered | covered | exhausted | cancelled
  next_step     INTEGER NOT NULL DEFAULT 0,
  next_due_at   INTEGER,               -- NULL once the callout has ended
  started_at    INTEGER NOT NULL,
  first_sent_at INTEGER,
  last_sent_at  INTEGER,
  notified      INTEGER NOT NULL DEFAULT 0,  -- steps run
  answered_at   INTEGER,
  answered_via  TEXT,
  answered_by   TEXT,
  answered_late INTEGER NOT NULL DEFAULT 0
);
-- One person is called once per warning as a recipient; escalations are per source callout.
CREATE UNIQUE INDEX callouts_once ON callouts(warning_id, person_id, kind, IFNULL(escalated_from, 0));
CREATE INDEX callouts_post ON callouts(warning_id, area_code, role);
CREATE INDEX callouts_due ON callouts(next_due_at) WHERE state IN ('pending', 'calling');
CREATE INDEX callouts_warning ON callouts(warning_id);
CREATE TABLE messages (
  id           INTEGER PRIMARY KEY,
  callout_id   INTEGER NOT NULL REFERENCES callouts(id),
  step         INTEGER NOT NULL,
  channel      TEXT NOT NULL,
  idem_key     TEXT NOT NULL UNIQUE,
  priority     INTEGER NOT NULL,
  state        TEXT NOT NULL,          -- queued | sending | sent | failed | cancelled
  attempts     INTEGER NOT NULL DEFAULT 0,
  not_before   INTEGER NOT NULL,
  sending_deadline INTEGER,
  provider_ref TEXT,
  error        TEXT,
  title        TEXT NOT NULL,
  body         TEXT NOT NULL,
  queued_at    INTEGER NOT NULL,
  sent_at      INTEGER,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX messages_queue ON messages(state, priority DESC, not_before);
CREATE INDEX messages_callout ON messages(callout_id);
CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  warning_id INTEGER,
  callout_id INTEGER,
  message_id INTEGER,
  kind       TEXT NOT NULL,
  actor      TEXT NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX events_warning ON events(warning_id, id);
-- Entries of polled feeds already taken in, so no entry is ingested twice, even after a restart.
CREATE TABLE feed_entries (
  feed       TEXT NOT NULL,
  link       TEXT NOT NULL,
  taken_at   INTEGER NOT NULL,
  outcome    TEXT NOT NULL,
  PRIMARY KEY (feed, link)
);
)sql",
    // 2: the report-back duty (回报): one row per area that owes the plan's report.
    R"sql(
CREATE TABLE reports (
  id            INTEGER PRIMARY KEY,
  warning_id    INTEGER NOT NULL REFERENCES warnings(id),
  snapshot_id   INTEGER NOT NULL REFERENCES plan_snapshots(id),
  area_code     TEXT NOT NULL,
  area_name     TEXT NOT NULL,
  tier          TEXT NOT NULL,
  state         TEXT NOT NULL,          -- due | overdue | filed | cancelled
  created_at    INTEGER NOT NULL,
  due_at        INTEGER NOT NULL,
  filed_at      INTEGER,
  filed_by      TEXT,                   -- the person who filed it
  filed_callout INTEGER REFERENCES callouts(id),
  filed_late    INTEGER NOT NULL DEFAULT 0,
  commander     TEXT,                   -- who is in command (谁在指挥)
  villages      INTEGER,                -- villages affected (影响村数)
  people_moved  INTEGER,                -- people moved (转移人数); 0 = nobody
  note          TEXT,
  UNIQUE (warning_id, area_code)
);
CREATE INDEX reports_due ON reports(due_at) WHERE state = 'due';
-- A message to a post whose area owes the report carries the 回报 link (decided when queued).
ALTER TABLE messages ADD COLUMN report INTEGER NOT NULL DEFAULT 0;
-- A person's fixed line, rung when they have no mobile (channels that ring: ivr).
ALTER TABLE callouts ADD COLUMN landline TEXT NOT NULL DEFAULT '';
-- messages.state may also be 'unknown': a phone call whose outcome is not known, never repeated.
-- Answers at scale: "is anything still open?" and "what was raised for this callout?" by index,
-- not by scanning every callout of the warning (20,000 for a county-wide red warning).
CREATE INDEX callouts_open ON callouts(warning_id) WHERE state IN ('pending', 'calling');
CREATE INDEX callouts_escalated ON callouts(escalated_from) WHERE escalated_from IS NOT NULL;
)sql",
    // 3: the broadcast rule (应急广播): one EBM per warning to the county platform, and its cancel;
    // SMS reply codes.
    R"sql(
CREATE TABLE broadcasts (
  id            INTEGER PRIMARY KEY,
  warning_id    INTEGER NOT NULL REFERENCES warnings(id),
  snapshot_id   INTEGER NOT NULL REFERENCES plan_snapshots(id),  -- the plan whose rule it is
  ebm_id        TEXT NOT NULL,          -- the platform de-duplicates on it
  msg_type      INTEGER NOT NULL,       -- 1 broadcast, 2 cancel (of the same EBMID)
  state         TEXT NOT NULL,          -- queued | sending | sent | played | partial | failed |
                                        -- unconfirmed | cancelled
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    INTEGER NOT NULL,
  title         TEXT NOT NULL,
  body          TEXT NOT NULL,          -- what the loudspeakers say (repeat included)
  areas         TEXT NOT NULL,          -- JSON array of the area codes named in the EBM
  area_names    TEXT NOT NULL DEFAULT '{}',  -- JSON object: code → name, for the duty officer's views
  repeat        INTEGER NOT NULL,
  within_ms     INTEGER NOT NULL,       -- the playback report is due this long after sending
  report_due_at INTEGER,
  queued_at     INTEGER NOT NULL,
  sent_at       INTEGER,
  reported_at   INTEGER,
  brd_state     INTEGER,                -- the last BrdStateCode reported
  coverage      TEXT,                   -- JSON array of the area codes reported covered
  coverage_rate TEXT,
  error         TEXT,
  updated_at    INTEGER NOT NULL,
  UNIQUE (ebm_id, msg_type)
);
CREATE INDEX broadcasts_warning ON broadcasts(warning_id);
CREATE INDEX broadcasts_queue ON broadcasts(not_before) WHERE state = 'queued';
CREATE INDEX broadcasts_due ON broadcasts(report_due_at) WHERE state = 'sent';
-- SMS reply codes (回复1确认): the smallest code free among a phone's open callouts, so a reply
-- "1" is never ambiguous between two warnings. Freed when the callout ends.
ALTER TABLE callouts ADD COLUMN sms_code INTEGER;
CREATE INDEX callouts_sms ON callouts(mobile, sms_code) WHERE sms_code IS NOT NULL AND state IN ('pending', 'calling');
)sql",
    // 4: the send path at city scale (docs/performance.md).
    R"sql(
-- The ladder's clock: `after` counts from clock_at (started_at until a step's notice left late:
-- a step's clock starts when its notice actually went out). While the step just run still waits
-- for its notice to leave, held_due_at keeps the planned next look and next_due_at is only the
-- backstop (engine.hold_limit later).
ALTER TABLE callouts ADD COLUMN clock_at INTEGER;
ALTER TABLE callouts ADD COLUMN held_due_at INTEGER;
-- Which provider of the medium took a message (a medium may have several: failover).
ALTER TABLE messages ADD COLUMN provider TEXT;
-- Claims read queued messages of one medium in the order this index keeps them (priority, then
-- age), so a claim of hundreds never sorts the queue however long it is.
DROP INDEX messages_queue;
CREATE INDEX messages_ready ON messages(channel, priority DESC, not_before, id) WHERE state = 'queued';
-- Receipts of a batched text name the batch's BizId and the phone.
CREATE INDEX messages_provider_ref ON messages(provider_ref) WHERE provider_ref IS NOT NULL;
-- A warning's tally (answered of total, by state and kind) read from this index alone: the duty
-- officer's `jiaoying warnings` no longer reads every callout row to count them. It also serves
-- every look-up by warning that callouts_warning did, and "is anything still open?" that
-- callouts_open did (by its state prefix).
DROP INDEX callouts_warning;
DROP INDEX callouts_open;
CREATE INDEX callouts_tally ON callouts(warning_id, state, kind);
-- What each message says, written once: the outbox's own rows stay small (a claim and a result
-- each rewrite a row; with the text in it, a city's fan-out rewrote over a hundred megabytes).
CREATE TABLE message_texts (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  title      TEXT NOT NULL,
  body       TEXT NOT NULL
);
INSERT INTO message_texts SELECT id, title, body FROM messages;
ALTER TABLE messages DROP COLUMN title;
ALTER TABLE messages DROP COLUMN body;
)sql",
    // 5: duty rooms told in digests (docs/plans.md, "The duty room"); the sender by its name.
    R"sql(
-- A duty officer's callout gathers every matter of a warning as a duty_officer_told event; one
-- message a minute at most lists those after digest_through (an events.id). digest_due_at is set
-- while some wait, digest_sent_at is when the last digest went.
ALTER TABLE callouts ADD COLUMN digest_due_at INTEGER;
ALTER TABLE callouts ADD COLUMN digest_sent_at INTEGER;
ALTER TABLE callouts ADD COLUMN digest_through INTEGER;
CREATE INDEX callouts_digest ON callouts(digest_due_at) WHERE digest_due_at IS NOT NULL;
-- The issuing office in words (CAP senderName), for the messages' 发布单位.
ALTER TABLE warnings ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
)sql",
    // 6: a row the daemon rewrites to learn whether its disk takes writes again (storage_watch.h).
    R"sql(
CREATE TABLE heartbeat (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  written_at INTEGER NOT NULL
);
)sql",
    // 7: the 六问 spot check (daemon/engine_spot_check.cc): one row a post sampled, its call and
    // what its keys said.
    R"sql(
CREATE TABLE spot_checks (
  id          INTEGER PRIMARY KEY,
  warning_id  INTEGER NOT NULL REFERENCES warnings(id),
  callout_id  INTEGER NOT NULL REFERENCES callouts(id),
  message_id  INTEGER NOT NULL REFERENCES messages(id),  -- its call
  state       TEXT NOT NULL,       -- calling | passed | failed | silent | unreached | cancelled
  family      TEXT NOT NULL,       -- whose questions (templates/<family>/spot_check.yaml)
  questions   INTEGER NOT NULL,
  keys        TEXT NOT NULL DEFAULT '',
  first_no    INTEGER NOT NULL DEFAULT 0,
  asked_by    TEXT NOT NULL,
  asked_at    INTEGER NOT NULL,
  done_at     INTEGER
);
-- A post is spot-checked once a warning.
CREATE UNIQUE INDEX spot_checks_once ON spot_checks(warning_id, callout_id);
CREATE INDEX spot_checks_message ON spot_checks(message_id);
-- A plan's spot_check rule, due once a warning: ran_at set when it ran (or was let off).
CREATE TABLE spot_check_rules (
  warning_id  INTEGER NOT NULL REFERENCES warnings(id),
  snapshot_id INTEGER NOT NULL REFERENCES plan_snapshots(id),
  due_at      INTEGER NOT NULL,
  ran_at      INTEGER,
  PRIMARY KEY (warning_id, snapshot_id)
);
CREATE INDEX spot_check_rules_due ON spot_check_rules(due_at) WHERE ran_at IS NULL;
)sql",
};

}  // namespace

int schema_version() { return static_cast<int>(kMigrations.size()); }

int migrate(Db& db) {
  int version = db.user_version();
  const int newest = static_cast<int>(kMigrations.size());
  if (version > newest)
    throw SqliteError("database schema version " + std::to_string(version) +
                      " is newer than this jiaoyingd understands (" + std::to_string(newest) + ")");
  for (int v = version; v < newest; ++v) {
    Transaction tx(db);
    db.exec(kMigrations[static_cast<size_t>(v)]);
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
  return newest;
}

}  // namespace jiaoying
