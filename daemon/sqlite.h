// A thin RAII layer over the SQLite C API: a connection, prepared statements with typed
// binds and reads, and transactions. Errors throw SqliteError; the store catches them at its
// edge. A Db is used by one thread at a time (the engine's).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jiaoying {

class SqliteError : public std::runtime_error {
 public:
  explicit SqliteError(const std::string& what, int code = SQLITE_ERROR) : std::runtime_error(what), code_(code) {}
  // SQLite's extended result code (SQLITE_FULL, SQLITE_IOERR_WRITE, …).
  int code() const { return code_; }
  // The file or its disk failed, not the SQL: full, read-only, an I/O error, cannot be opened.
  // Such a failure passes when the disk does; a retry later may well succeed.
  bool storage() const { return is_storage_fault(code_); }
  static bool is_storage_fault(int code);

 private:
  int code_;
};

class Db;

class Stmt {
 public:
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& other) noexcept : owner_(other.owner_), db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based like SQLite's; chainable.
  Stmt& bind(int index, int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Stmt& bind(int index, std::string_view value);
  Stmt& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, std::nullopt_t);
  template <class T>
  Stmt& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  // Steps once: true when a row is ready, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }
  void reset();
  // The statement's text, as prepared.
  std::string_view sql() const { return sqlite3_sql(stmt_); }

  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const;
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::optional<int64_t> opt_int64(int column) const {
    return is_null(column) ? std::nullopt : std::optional<int64_t>(int64(column));
  }

 private:
  Db* owner_;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  // Told, on the connection's thread, of every storage fault as it is met: the daemon's
  // StorageWatch learns from it when the disk failed (its own probe says when it works again).
  struct Observer {
    virtual ~Observer() = default;
    virtual void storage_failed(const SqliteError& error) = 0;
  };

  // Opens (creating) the file; ":memory:" for tests. Sets WAL, foreign keys, a busy timeout.
  // `vfs` names a registered SQLite VFS (tests inject faults through one); empty: the default.
  explicit Db(const std::string& path, const std::string& vfs = "");
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(*this, sql); }
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  int user_version();
  bool in_transaction() { return !sqlite3_get_autocommit(db_); }
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

  void observe(Observer* observer) { observer_ = observer; }
  // The error of the connection's last failed call, as thrown (and told to the observer).
  SqliteError error(std::string_view doing);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  Observer* observer_ = nullptr;
};

// A transaction: commit() makes it durable; leaving the scope without commit() (or by an
// exception) rolls it back. Inside another transaction it is a savepoint of that one, so work that
// commits on its own can also be grouped into one outer transaction (one fsync for many answers).
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db), nested_(db.in_transaction()) {
    db_.exec(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (done_) return;
    try {
      if (nested_) {
        db_.exec("ROLLBACK TO nested");
        db_.exec("RELEASE nested");
      } else {
        db_.exec("ROLLBACK");
      }
    } catch (...) {
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
    done_ = true;
  }

 private:
  Db& db_;
  const bool nested_;
  bool done_ = false;
};

}  // namespace jiaoying
