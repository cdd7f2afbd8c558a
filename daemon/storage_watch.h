// When the database cannot be written — its disk full, its file system remounted read-only, an
// I/O error — nothing jiaoyingd decides can be kept, so it must not decide: a warning is refused
// with 503 (feeds retry it; a spool file stays in inbox/), an answer is refused with 503 (the
// phone asks again), nothing new is claimed to send (a claim is on disk before a message leaves,
// or a restart could send it twice), and what providers answered meanwhile is held in memory and
// recorded when writing works again. The StorageWatch is how the daemon knows: the engine's
// connection tells it of each storage fault (Db::Observer). On the first fault it names the
// cause once, loudly (the log, /healthz, the admin API's health and warning list) and has the duty
// rooms told outside the store (`on_fault`); while the fault lasts it probes with a small write
// every few seconds. The spell ends (`on_recovered`) when a probe commits and the disk has room
// again (16 MiB, or a tenth of a smaller one): a nearly full disk that takes one small commit and
// refuses the next must not flap, and the duty room hears of one spell, not of every write.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "channels/channel.h"
#include "daemon/sqlite.h"
#include "rules/directory.h"

namespace jiaoying {

// One spell of a database that cannot be written.
struct StorageFault {
  std::chrono::system_clock::time_point since;
  std::string reason;         // "the disk holding the database /var/lib/jiaoying/jiaoying.db (12 KiB free of 2 GiB) is full: …"
  std::string cause_zh;       // 磁盘已满, for the duty officers' message
  std::string sqlite;         // what SQLite said, for the engineer
  int64_t refused = 0;        // warnings refused meanwhile
};

class StorageWatch final : public Db::Observer {
 public:
  struct Hooks {
    std::function<void(const StorageFault&)> on_fault;  // the episode began (on the io thread)
    std::function<void(const StorageFault&, std::chrono::system_clock::time_point)> on_recovered;
    std::function<void()> probe;  // a small write transaction (its failure is told to the watch)
  };
  StorageWatch(boost::asio::io_context& io, std::string database, Hooks hooks,
               std::chrono::milliseconds probe_every = std::chrono::seconds(5));

  // Db::Observer, on the engine's thread.
  void storage_failed(const SqliteError& error) override;

  // From any thread: the fault now, if there is one.
  std::optional<StorageFault> fault() const;
  bool faulty() const { return faulty_.load(std::memory_order_relaxed); }
  // A warning was refused for it.
  void refused_warning();

  // In words, for a person: the cause and what to do.
  static std::string describe(const SqliteError& error, const std::string& database);
  static std::string cause_zh(const SqliteError& error);

 private:
  void recovered();
  void arm_probe();
  bool has_room() const;

  boost::asio::io_context& io_;
  std::string database_;
  Hooks hooks_;
  std::chrono::milliseconds probe_every_;
  boost::asio::steady_timer probe_timer_;
  std::atomic<bool> faulty_{false};
  mutable std::mutex mutex_;
  std::optional<StorageFault> fault_;
};

// The alarm for the duty rooms at the directory's highest tier that has any (the city's, else
// every county's: their duty_officer posts, both seats), one message each, sent outside the store on every medium: the fault's start, or (with
// `recovered_at`) its end. The idempotency key names the episode; the sender adds the medium.
std::vector<OutboundMessage> storage_alarm(const Directory& directory, const StorageFault& fault,
                                           std::optional<std::chrono::system_clock::time_point> recovered_at);

// The 503 a refused write answers, naming the fault (nullopt when `e` is not a storage fault).
std::optional<std::string> storage_fault_text(const std::exception& e, const StorageWatch* watch);

}  // namespace jiaoying
