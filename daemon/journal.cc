#include "daemon/journal.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "daemon/views.h"
#include "rules/names.h"

namespace jiaoying {

namespace {

thread_local const LogFields* tls_fields = nullptr;

int priority_of(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return 2;  // LOG_CRIT
    case spdlog::level::err: return 3;       // LOG_ERR
    case spdlog::level::warn: return 4;      // LOG_WARNING
    case spdlog::level::info: return 6;      // LOG_INFO
    default: return 7;                       // LOG_DEBUG
  }
}

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::vector<std::string> entry =
        journal_entry(msg.level, std::string_view(msg.payload.data(), msg.payload.size()), current_log_fields());
    std::vector<iovec> iov;
    iov.reserve(entry.size());
    for (const std::string& field : entry) iov.push_back({const_cast<char*>(field.data()), field.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));  // a full journal drops it, as it would a line
  }
  void flush_() override {}
};

// Kinds that ask for someone's attention: warnings in the journal (`journalctl -p warning`).
bool needs_attention(std::string_view kind) {
  for (std::string_view k : {"exhausted", "message_failed", "message_unknown", "report_overdue", "broadcast_failed", "broadcast_gap", "broadcast_unconfirmed",
                             "provider_down", "channel_down", "heartbeat_failed", "post_unfilled", "no_plan_matched", "area_not_in_directory",
                             "step_late", "sent_suspicious", "storage_fault", "signature_refused", "export_unmasked"})
    if (kind == k) return true;
  return false;
}

}  // namespace

LogScope::LogScope(const LogFields& fields) : previous_(tls_fields) { tls_fields = &fields; }
LogScope::~LogScope() { tls_fields = previous_; }
const LogFields* current_log_fields() { return tls_fields; }

std::vector<std::string> journal_entry(spdlog::level::level_enum level, std::string_view message,
                                       const LogFields* fields) {
  std::vector<std::string> entry{"MESSAGE=" + mask_mobiles_in(message),
                                 "PRIORITY=" + std::to_string(priority_of(level)), "SYSLOG_IDENTIFIER=jiaoyingd"};
  if (!fields) return entry;
  if (fields->warning_id > 0) entry.push_back("WARNING_ID=" + std::to_string(fields->warning_id));
  if (fields->callout_id > 0) entry.push_back("CALLOUT_ID=" + std::to_string(fields->callout_id));
  if (!fields->channel.empty()) entry.push_back("CHANNEL=" + std::string(fields->channel));
  if (!fields->provider.empty()) entry.push_back("PROVIDER=" + std::string(fields->provider));
  if (!fields->event.empty()) entry.push_back("JIAOYING_EVENT=" + std::string(fields->event));
  return entry;
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

void log_to_journal_if_there() {
  if (!stderr_is_journal()) return;
  auto logger = spdlog::default_logger();
  logger->sinks().clear();
  logger->sinks().push_back(std::make_shared<JournalSink>());
  spdlog::info("logging to the journal with fields: journalctl -u jiaoyingd WARNING_ID=<id> (or CALLOUT_ID, "
               "CHANNEL, PROVIDER, JIAOYING_EVENT)");
}

TrailMirror::TrailMirror(boost::asio::io_context& io, Views& views, std::chrono::milliseconds period)
    : timer_(io), views_(views), period_(period) {}

void TrailMirror::start() {
  after_ = views_.last_event_id();
  stopped_ = false;
  arm();
}

void TrailMirror::stop() {
  stopped_ = true;
  timer_.cancel();
}

void TrailMirror::arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    try {
      drain();
    } catch (const std::exception& e) {  // a busy or faulty disk: the next round reads on from here
      spdlog::debug("trail mirror: {}", e.what());
    }
    arm();
  });
}

int TrailMirror::drain() {
  // Lines a round at most: under journald's default rate limit (10,000 a service per 30 s), so a
  // burst (a city's exhaustions, a provider refusing everything) is spread over rounds, not dropped.
  constexpr int kRound = 300;
  const int64_t upto = views_.last_event_id();
  const std::vector<TrailEvent> events = views_.events_of_note(after_, upto, kRound);
  for (const TrailEvent& e : events) {
    const LogFields fields{e.warning_id, e.callout_id, e.channel, e.provider, e.kind};
    LogScope scope(fields);
    const std::string about =
        (e.warning_id ? fmt::format("warning {}", e.warning_id) : std::string("no warning")) +
        (e.callout_id ? fmt::format(" · callout {}", e.callout_id) : std::string()) +
        (e.channel.empty() ? std::string() : fmt::format(" · {}/{}", e.channel, e.provider));
    spdlog::log(needs_attention(e.kind) ? spdlog::level::warn : spdlog::level::info, "{}: {} ({}) by {}: {}", about,
                event_zh(e.kind), e.kind, e.actor, mask_mobiles_in(e.detail));
  }
  after_ = static_cast<int>(events.size()) < kRound ? upto : events.back().id;
  return static_cast<int>(events.size());
}

}  // namespace jiaoying
