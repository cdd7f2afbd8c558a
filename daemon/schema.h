// The SQLite schema and its numbered migrations (PRAGMA user_version). Run once at start, on
// the engine's thread, before anything reads or writes.
#pragma once

#include "daemon/sqlite.h"

namespace jiaoying {

// Brings the database to the newest schema version; returns that version. A database newer
// than this binary is refused (SqliteError) rather than guessed at.
int migrate(Db& db);

// The newest schema version this build knows.
int schema_version();

}  // namespace jiaoying
