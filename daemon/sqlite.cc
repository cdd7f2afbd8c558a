#include "daemon/sqlite.h"

namespace jiaoying {

bool SqliteError::is_storage_fault(int code) {
  switch (code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOLFS:
      return true;
    default:
      return false;
  }
}

SqliteError Db::error(std::string_view doing) {
  SqliteError e(std::string(doing) + ": " + sqlite3_errmsg(db_), sqlite3_extended_errcode(db_));
  if (e.storage() && observer_) observer_->storage_failed(e);
  return e;
}

Stmt::Stmt(Db& db, std::string_view sql) : owner_(&db), db_(db.handle()) {
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    throw db.error("prepare (" + std::string(sql) + ")");
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    throw SqliteError(std::string("bind: ") + sqlite3_errmsg(db_));
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    throw SqliteError(std::string("bind: ") + sqlite3_errmsg(db_));
  return *this;
}

Stmt& Stmt::bind(int index, std::nullopt_t) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK)
    throw SqliteError(std::string("bind: ") + sqlite3_errmsg(db_));
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw owner_->error("step");
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Stmt::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Db::Db(const std::string& path, const std::string& vfs) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      vfs.empty() ? nullptr : vfs.c_str()) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    const int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_NOMEM;
    sqlite3_close(db_);
    throw SqliteError("cannot open database " + path + ": " + msg, code);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");  // a committed decision must survive a power cut
  exec("PRAGMA foreign_keys=ON");
  // A city-wide fan-out touches the callouts, messages and their indexes at random: keep them in
  // memory rather than re-reading pages (the default cache is 2 MB).
  exec("PRAGMA cache_size=-65536");
  exec("PRAGMA temp_store=MEMORY");
}

Db::~Db() { sqlite3_close(db_); }

void Db::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    sqlite3_free(err);
    throw error("exec (" + s.substr(0, 80) + ")");
  }
}

int Db::user_version() {
  Stmt st(*this, "PRAGMA user_version");
  st.step();
  return static_cast<int>(st.int64(0));
}

}  // namespace jiaoying
