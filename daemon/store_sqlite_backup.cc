#include "daemon/store_sqlite_backup.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon/schema.h"
#include "daemon/state_sql.h"

namespace jiaoying {

namespace fs = std::filesystem;

namespace {

// One connection of this file's own, opened exactly as asked (the daemon's Db always creates and
// always turns WAL on; a backup must do neither to a file it only reads).
class Connection {
 public:
  Connection(const std::string& path, int flags, const std::string& what) : path_(path), what_(what) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error(fmt::format("{} {} cannot be opened: {}", what, path, msg));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);  // the engine's commits are short; wait them out
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() { return db_; }

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw std::runtime_error(fmt::format("{} {}: {}: {}", what_, path_, sql.substr(0, 60), msg));
    }
  }

  // The first column of the first row, as text ("" for no row or NULL).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      std::string msg = sqlite3_errmsg(db_);
      throw std::runtime_error(fmt::format("{} {} is not a jiaoying database ({})", what_, path_, msg));
    }
    std::string out;
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    const bool failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    std::string msg = failed ? sqlite3_errmsg(db_) : "";
    sqlite3_finalize(st);
    if (failed) throw std::runtime_error(fmt::format("{} {}: {}", what_, path_, msg));
    return out;
  }
  int64_t count(const std::string& sql) { return std::stoll("0" + scalar(sql)); }

 private:
  sqlite3* db_ = nullptr;
  std::string path_, what_;
};

// A whole file of SQLite's that checks, with jiaoying's tables and a schema this build knows.
DatabaseSummary summarize(Connection& db, const std::string& path, const std::string& what) {
  const std::string check = db.scalar("PRAGMA quick_check");
  if (check != "ok")
    throw std::runtime_error(fmt::format("{} {} is damaged (quick_check: {}); take another copy", what, path, check));
  DatabaseSummary s;
  s.schema = std::stoi("0" + db.scalar("PRAGMA user_version"));
  if (s.schema == 0 || db.count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                "('warnings', 'callouts', 'messages', 'events')") != 4)
    throw std::runtime_error(fmt::format("{} {} is an SQLite file but not jiaoying's database", what, path));
  if (s.schema > schema_version())
    throw std::runtime_error(fmt::format("{} {} has schema version {}, newer than this jiaoyingd understands ({}): "
                                         "restore it with the jiaoying that wrote it",
                                         what, path, s.schema, schema_version()));
  s.warnings = db.count("SELECT count(*) FROM warnings");
  s.open_warnings = db.count("SELECT count(*) FROM warnings WHERE state = " + sql_name(WarningState::active));
  s.open_callouts = db.count("SELECT count(*) FROM callouts WHERE state IN (" +
                             sql_names({CalloutState::pending, CalloutState::calling}) + ")");
  s.in_flight = db.count("SELECT count(*) FROM messages WHERE state IN (" +
                         sql_names({MessageState::queued, MessageState::sending}) + ")");
  std::error_code ec;
  s.bytes = fs::file_size(path, ec);
  return s;
}

// Page by page from `from` into `to` in one read transaction of `from`'s: a snapshot of one instant.
void copy_pages(Connection& from, Connection& to, const std::string& target) {
  sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (!backup) throw std::runtime_error(fmt::format("{} cannot be written: {}", target, sqlite3_errmsg(to.handle())));
  const int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    const char* why = sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_FULL)
      throw std::runtime_error(fmt::format("{}: the disk is full; free space there or write the copy elsewhere", target));
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
      throw std::runtime_error(fmt::format("{}: the database stayed busy; try again", target));
    throw std::runtime_error(fmt::format("{} cannot be written: {}", target, why));
  }
}

// fsync of a file or a folder (the rename's entry), so a copy said to be taken survives a power cut.
void sync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void remove_partial(const fs::path& partial) {
  std::error_code ec;
  for (const char* tail : {"", "-journal", "-wal", "-shm"}) fs::remove(partial.string() + tail, ec);
}

// `from` copied to `to` by way of `to`.partial, checked and synced before the rename.
DatabaseSummary copy_database(Connection& from, const fs::path& to, const std::string& what) {
  const fs::path partial = to.string() + ".partial";
  remove_partial(partial);
  try {
    {
      Connection out(partial.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, what);
      copy_pages(from, out, to.string());
      out.exec("PRAGMA journal_mode=DELETE");  // one self-contained file, no -wal beside it
      summarize(out, partial.string(), what);
    }
    sync_path(partial);
    fs::rename(partial, to);
    sync_path(to.parent_path().empty() ? fs::path(".") : to.parent_path());
  } catch (...) {
    remove_partial(partial);
    throw;
  }
  Connection done(to.string(), SQLITE_OPEN_READONLY, what);
  return summarize(done, to.string(), what);
}

}  // namespace

DatabaseSummary backup_database(const std::string& database, const std::string& file) {
  if (!fs::exists(database))
    throw std::runtime_error(fmt::format("database {} does not exist: is `database:` in the config right?", database));
  if (fs::exists(file)) throw std::runtime_error(fmt::format("{} exists already: name a new file", file));
  const fs::path folder = fs::absolute(file).parent_path();
  if (!fs::is_directory(folder)) throw std::runtime_error(fmt::format("folder {} does not exist", folder.string()));
  Connection source(database, SQLITE_OPEN_READONLY, "database");
  summarize(source, database, "database");
  return copy_database(source, fs::absolute(file), "backup");
}

DatabaseSummary inspect_backup(const std::string& file) {
  if (!fs::is_regular_file(file)) throw std::runtime_error(fmt::format("backup {} does not exist", file));
  Connection backup(file, SQLITE_OPEN_READONLY, "backup");
  return summarize(backup, file, "backup");
}

DatabaseSummary restore_database(const std::string& file, const std::string& database, std::string& kept) {
  inspect_backup(file);
  kept.clear();
  const fs::path target = fs::absolute(database);
  fs::create_directories(target.parent_path());
  if (fs::exists(target)) {
    // The database replaced is kept, whole (its -wal read in), for whoever must see what it held.
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const fs::path aside = fmt::format("{}.before-restore-{:%Y%m%dT%H%M%S}", target.string(), now);
    {
      Connection old(target.string(), SQLITE_OPEN_READWRITE, "database");
      copy_database(old, aside, "database");
    }
    kept = aside.string();
  }
  Connection backup(file, SQLITE_OPEN_READONLY, "backup");
  const fs::path incoming = target.string() + ".restoring";
  copy_database(backup, incoming, "backup");
  // The copy replaces the database and whatever -wal and -shm it left (a WAL not of this file
  // would be replayed into it).
  std::error_code ec;
  for (const char* tail : {"-wal", "-shm", "-journal"}) fs::remove(target.string() + tail, ec);
  fs::rename(incoming, target);
  sync_path(target.parent_path());
  Connection restored(target.string(), SQLITE_OPEN_READONLY, "database");
  return summarize(restored, target.string(), "database");
}

std::optional<DatabaseLock> DatabaseLock::take(const std::string& database, std::string& holder) {
  const std::string path = fs::absolute(database).string() + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    holder = fmt::format("{} cannot be opened: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    holder = n > 0 ? fmt::format("pid {}", std::string(pid, static_cast<size_t>(n))) : "another process";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd);
    return std::nullopt;
  }
  const std::string mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) < 0) {
    // The lock holds without the pid in it; only the message of whoever meets it is poorer.
  }
  return DatabaseLock(fd);
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace jiaoying
