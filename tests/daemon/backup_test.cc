// The database's backup and restore (daemon/store_sqlite_backup.h) on files of the test's own:
// a copy taken while another connection writes is one instant's; what is not a whole jiaoying
// database of a known schema is refused before anything changes; the database replaced is kept.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include <unistd.h>

#include "daemon/schema.h"
#include "daemon/sqlite.h"
#include "daemon/store_sqlite_backup.h"

using namespace jiaoying;
namespace fs = std::filesystem;

namespace {

struct Folder {
  fs::path path;
  Folder() {
    char tmpl[] = "/tmp/jiaoying-backup-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
  }
  ~Folder() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void add_warnings(Db& db, int n, int first) {
  for (int i = 0; i < n; ++i)
    db.exec("INSERT INTO warnings(identifier, sender, sent, source, hazard, level, areas, headline, description, raw, "
            "state, received_at) VALUES ('w" + std::to_string(first + i) +
            "', 's', 0, 'meteorology', 'rainstorm', 'red', '[]', 'h', 'd', '{}', 'active', 0)");
}

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a backup is one instant's copy, taken while the engine's connection goes on writing") {
  Folder dir;
  Db db(dir / "db.sqlite");
  migrate(db);
  add_warnings(db, 3, 0);
  {
    Transaction open(db);  // a write under way when the copy is taken is not in it
    add_warnings(db, 2, 100);
    const DatabaseSummary s = backup_database(dir / "db.sqlite", dir / "copy.sqlite");
    CHECK(s.schema == schema_version());
    CHECK(s.warnings == 3);
    CHECK(s.open_warnings == 3);
    open.commit();
  }
  CHECK_FALSE(fs::exists(dir / "copy.sqlite-wal"));
  CHECK(inspect_backup(dir / "copy.sqlite").warnings == 3);
  CHECK(refusal([&] { backup_database(dir / "db.sqlite", dir / "copy.sqlite"); }).find("exists already") !=
        std::string::npos);
  CHECK(refusal([&] { backup_database(dir / "none.sqlite", dir / "x.sqlite"); }).find("does not exist") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(dir / "none.sqlite"));  // a wrong path is not made into an empty database
  CHECK(refusal([&] { backup_database(dir / "db.sqlite", dir / "no/such/folder/x.sqlite"); }).find("does not exist") !=
        std::string::npos);

  // Restored over the database, which is kept beside it with what it held (5 warnings).
  std::string kept;
  const DatabaseSummary back = restore_database(dir / "copy.sqlite", dir / "db.sqlite", kept);
  CHECK(back.warnings == 3);
  REQUIRE_FALSE(kept.empty());
  CHECK(kept.find("db.sqlite.before-restore-") != std::string::npos);
  CHECK(inspect_backup(kept).warnings == 5);
}

TEST_CASE("a restore refuses what is not a whole jiaoying database of a schema it knows, and changes nothing") {
  Folder dir;
  {
    Db db(dir / "db.sqlite");
    migrate(db);
    add_warnings(db, 1, 0);
  }
  auto refused = [&](const std::string& file) {
    std::string kept;
    const std::string why = refusal([&] { restore_database(file, dir / "db.sqlite", kept); });
    CHECK(kept.empty());
    CHECK(inspect_backup(dir / "db.sqlite").warnings == 1);  // the database is as it was
    return why;
  };
  std::ofstream(dir / "text.sqlite") << std::string(4096, 'x');
  CHECK(!refused(dir / "text.sqlite").empty());
  CHECK(refused(dir / "missing.sqlite").find("does not exist") != std::string::npos);
  {
    Db other(dir / "other.sqlite");
    other.exec("CREATE TABLE t(x)");
  }
  CHECK(refused(dir / "other.sqlite").find("not jiaoying's database") != std::string::npos);
  {
    Db newer(dir / "newer.sqlite");
    migrate(newer);
    newer.exec("PRAGMA user_version = " + std::to_string(schema_version() + 1));
  }
  CHECK(refused(dir / "newer.sqlite").find("newer than this jiaoyingd understands") != std::string::npos);
}

TEST_CASE("the database lock admits one holder and names it to the next") {
  Folder dir;
  std::string holder;
  auto first = DatabaseLock::take(dir / "db.sqlite", holder);
  REQUIRE(first);
  auto second = DatabaseLock::take(dir / "db.sqlite", holder);
  CHECK_FALSE(second);
  CHECK(holder == "pid " + std::to_string(::getpid()));
  first.reset();
  CHECK(DatabaseLock::take(dir / "db.sqlite", holder));
}
