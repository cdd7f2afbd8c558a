// The SQLite database's copy and its return: `jiaoying backup FILE` while jiaoyingd runs, and
// `jiaoyingd --restore FILE` on a server whose daemon is stopped; and the lock that keeps a
// second jiaoyingd off a database the first one sends from.
//
// The copy is taken through SQLite's online backup API in one read transaction: a consistent
// snapshot of one instant, taken beside the running engine without stopping it (WAL lets the
// engine write meanwhile). It is written to FILE.partial, checked (`PRAGMA quick_check`), made
// one self-contained file (no -wal beside it), synced, and only then renamed to FILE — a backup
// cut short leaves no FILE that looks whole.
//
// A restore puts the copy in the database's place, after keeping the database it replaces (if
// any) beside it. When jiaoyingd starts on it, every open callout resumes at the step the copy
// recorded, and what was in flight is sent again under its own idempotency key, which the
// providers take once (the same path as a restart after a crash; docs/architecture.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace jiaoying {

// What a database holds, as a backup's or a restore's report says it.
struct DatabaseSummary {
  int schema = 0;
  int64_t warnings = 0, open_warnings = 0;
  int64_t open_callouts = 0;  // pending or calling: the ladders a restore resumes
  int64_t in_flight = 0;      // messages queued or sending: what a restore sends again
  uintmax_t bytes = 0;
};

// Copies the database at `database` to `file`. Throws std::runtime_error naming the file and what
// to do: the database cannot be opened or is not jiaoying's, FILE's folder cannot be written, the
// disk is full, the copy does not check.
DatabaseSummary backup_database(const std::string& database, const std::string& file);

// Reads a backup without changing it: it must be a whole SQLite file that checks, with jiaoying's
// tables and a schema this build understands (it migrates older ones when it starts). Throws as
// above.
DatabaseSummary inspect_backup(const std::string& file);

// Puts `file` (checked as inspect_backup does) in place of `database`. The database it replaces,
// if there was one, is copied first to `database`.before-restore-YYYYMMDDTHHMMSS, whose name is
// returned in `kept` (empty when there was none). The caller holds the DatabaseLock.
DatabaseSummary restore_database(const std::string& file, const std::string& database, std::string& kept);

// An exclusive lock on `database`.lock (flock): held by the running jiaoyingd for its life, and
// by a restore. Two daemons on one database would each call everyone; a restore under a running
// one would be overwritten by it. The kernel lets go when the holder dies, however it dies.
class DatabaseLock {
 public:
  // Takes the lock, or returns nullopt with `holder` saying who has it ("pid 4242") or why it
  // cannot be taken (the folder cannot be written).
  static std::optional<DatabaseLock> take(const std::string& database, std::string& holder);
  DatabaseLock(DatabaseLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DatabaseLock& operator=(DatabaseLock&&) = delete;
  DatabaseLock(const DatabaseLock&) = delete;
  ~DatabaseLock();

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace jiaoying
