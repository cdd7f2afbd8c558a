#include "daemon/storage_watch.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "daemon/duty_room_alarm.h"

namespace jiaoying {

namespace {

std::string bytes_text(uint64_t n) {
  if (n >= (uint64_t{1} << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(n) / (1 << 30));
  if (n >= (uint64_t{1} << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1 << 20));
  if (n >= 1024) return fmt::format("{} KiB", n / 1024);
  return fmt::format("{} B", n);
}

// The file system holding the database's folder; nullopt when it cannot be asked.
struct Disk {
  uint64_t free = 0, total = 0;
  bool read_only = false;
};
std::optional<Disk> disk_of(const std::string& database) {
  std::filesystem::path folder = std::filesystem::path(database).parent_path();
  if (folder.empty()) folder = ".";
  struct statvfs fs {};
  if (::statvfs(folder.c_str(), &fs) != 0) return std::nullopt;
  return Disk{uint64_t{fs.f_bavail} * fs.f_frsize, uint64_t{fs.f_blocks} * fs.f_frsize, (fs.f_flag & ST_RDONLY) != 0};
}

// "12 KiB free of 2.0 GiB", or "" when the folder cannot be asked.
std::string space_text(const std::string& database) {
  const auto disk = disk_of(database);
  if (!disk) return "";
  return fmt::format("{} free of {}{}", bytes_text(disk->free), bytes_text(disk->total),
                     disk->read_only ? ", mounted read-only" : "");
}

}  // namespace

std::string StorageWatch::describe(const SqliteError& error, const std::string& database) {
  const std::string space = space_text(database);
  const std::string where = space.empty() ? database : fmt::format("{} ({})", database, space);
  switch (error.code() & 0xff) {
    case SQLITE_FULL:
      return fmt::format("the disk holding the database {} is full: free space there", where);
    case SQLITE_READONLY:
      return fmt::format("the database {} cannot be written (read-only file system or file): remount it "
                         "read-write or mend its permissions",
                         where);
    case SQLITE_CANTOPEN:
      return fmt::format("the database {} cannot be opened: check that its folder exists and can be written", where);
    default:
      return fmt::format("the database {} failed to write (an I/O error: the disk may be failing or full): check "
                         "the disk and the kernel's log",
                         where);
  }
}

std::string StorageWatch::cause_zh(const SqliteError& error) {
  switch (error.code() & 0xff) {
    case SQLITE_FULL:
      return "磁盘已满";
    case SQLITE_READONLY:
      return "文件系统只读";
    case SQLITE_CANTOPEN:
      return "数据库文件无法打开";
    default:
      return "磁盘读写错误";
  }
}

StorageWatch::StorageWatch(boost::asio::io_context& io, std::string database, Hooks hooks,
                           std::chrono::milliseconds probe_every)
    : io_(io), database_(std::move(database)), hooks_(std::move(hooks)), probe_every_(probe_every), probe_timer_(io) {}

void StorageWatch::storage_failed(const SqliteError& error) {
  if (faulty_.load(std::memory_order_relaxed)) return;
  StorageFault fault{std::chrono::system_clock::now(), describe(error, database_), cause_zh(error), error.what(), 0};
  {
    std::lock_guard lock(mutex_);
    fault_ = fault;
  }
  faulty_ = true;
  spdlog::critical("STORAGE FAULT: {} ({}). Until it is mended new warnings are refused with 503 (feeds retry "
                   "them, spool files stay in inbox/), answers are asked again, nothing new is sent; what is on "
                   "file is kept and goes on when writing works again",
                   fault.reason, fault.sqlite);
  // Told after the failing call has unwound: the hooks send and may write.
  boost::asio::post(io_, [this, fault] {
    if (hooks_.on_fault) hooks_.on_fault(fault);
  });
  arm_probe();
}

void StorageWatch::recovered() {
  StorageFault fault;
  {
    std::lock_guard lock(mutex_);
    if (!fault_) return;
    fault = *std::exchange(fault_, std::nullopt);
  }
  faulty_ = false;
  const auto now = std::chrono::system_clock::now();
  spdlog::warn("storage: the database can be written again after {} s; {} warning(s) were refused meanwhile; "
               "sending and the ladders go on",
               std::chrono::duration_cast<std::chrono::seconds>(now - fault.since).count(), fault.refused);
  boost::asio::post(io_, [this, fault, now] {
    if (hooks_.on_recovered) hooks_.on_recovered(fault, now);
  });
}

void StorageWatch::arm_probe() {
  probe_timer_.expires_after(probe_every_);
  probe_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !faulty()) return;
    try {
      if (hooks_.probe) hooks_.probe();
      if (has_room()) return recovered();
    } catch (const std::exception& e) {
      spdlog::debug("storage probe: {}", e.what());
    }
    arm_probe();
  });
}

bool StorageWatch::has_room() const {
  const auto disk = disk_of(database_);
  if (!disk) return true;  // cannot tell: the probe's commit decides
  return !disk->read_only && disk->free >= std::min<uint64_t>(uint64_t{16} << 20, disk->total / 10);
}

std::optional<StorageFault> StorageWatch::fault() const {
  std::lock_guard lock(mutex_);
  return fault_;
}

void StorageWatch::refused_warning() {
  std::lock_guard lock(mutex_);
  if (fault_) ++fault_->refused;
}

namespace {

std::string china_clock(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&s, &tm);
  return fmt::format("{:02}月{:02}日{:02}:{:02}:{:02}", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

std::vector<OutboundMessage> storage_alarm(const Directory& directory, const StorageFault& fault,
                                           std::optional<std::chrono::system_clock::time_point> recovered_at) {
  const int64_t episode =
      std::chrono::duration_cast<std::chrono::milliseconds>(fault.since.time_since_epoch()).count();
  std::string title, text;
  if (!recovered_at) {
    title = "【系统告警】叫应系统无法写入数据库";
    text = fmt::format("叫应系统自{}起无法写入数据库（{}）：新预警被拒收（发布方会重试），在办叫应暂停发送，"
                       "恢复后自动继续、不会重复。请立即通知运维处理。",
                       china_clock(fault.since), fault.cause_zh);
  } else {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(*recovered_at - fault.since).count();
    title = "【系统恢复】叫应系统恢复写入数据库";
    text = fmt::format("叫应系统已于{}恢复写入数据库，叫应继续。故障持续约{}分钟，期间拒收预警{}条，发布方重试后补收。",
                       china_clock(*recovered_at), std::max<int64_t>(1, minutes), fault.refused);
  }
  return duty_room_alarm(directory, fmt::format("storage-{}-{}", episode, recovered_at ? "end" : "start"), title,
                         text);
}

std::optional<std::string> storage_fault_text(const std::exception& e, const StorageWatch* watch) {
  const auto* error = dynamic_cast<const SqliteError*>(&e);
  if (!error || !error->storage()) return std::nullopt;
  if (watch)
    if (auto fault = watch->fault()) return fault->reason;
  return StorageWatch::describe(*error, "");
}

}  // namespace jiaoying
