#include "daemon/poll_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "daemon/ingest.h"
#include "rules/feed_index.h"

namespace jiaoying {

// What one round brought back from the network (filled on the worker thread).
struct PollFeed::Fetched {
  HttpResponse index;
  FeedIndex parsed;
  std::vector<std::pair<std::string, HttpResponse>> entries;  // link → its response
};

PollFeed::PollFeed(boost::asio::io_context& io, std::string name, std::string url, Millis interval, Engine& engine,
                   Store& store, HttpClient& http, std::function<void()> changed)
    : io_(io),
      name_(std::move(name)),
      url_(std::move(url)),
      interval_(interval),
      engine_(engine),
      store_(store),
      http_(http),
      changed_(std::move(changed)),
      timer_(io) {
  seen_ = store_.feed_links(name_);
}

PollFeed::~PollFeed() {
  stop();
  worker_.join();
}

void PollFeed::start() { schedule(Millis(0)); }

void PollFeed::stop() {
  stopped_ = true;
  timer_.cancel();
}

void PollFeed::schedule(Millis delay) {
  if (stopped_) return;
  timer_.expires_after(delay);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll();
  });
}

void PollFeed::poll() {
  HttpRequest req;
  req.url = url_;
  req.timeout = std::chrono::seconds(20);
  if (!etag_.empty()) req.headers.push_back({"If-None-Match", etag_});
  if (!last_modified_.empty()) req.headers.push_back({"If-Modified-Since", last_modified_});
  auto seen = seen_;  // a copy for the worker: the set itself stays on the io thread
  boost::asio::post(worker_, [this, req, seen] {
    auto fetched = std::make_shared<Fetched>();
    fetched->index = http_.perform(req);
    if (fetched->index.status == 200) {
      fetched->parsed = parse_feed_index(fetched->index.body, url_);
      if (fetched->parsed.kind == FeedIndex::Kind::index) {
        for (const std::string& link : fetched->parsed.links) {
          if (seen.count(link)) continue;
          HttpRequest entry;
          entry.url = link;
          entry.timeout = std::chrono::seconds(20);
          fetched->entries.emplace_back(link, http_.perform(entry));
        }
      }
    }
    boost::asio::post(io_, [this, fetched] { handle(fetched); });
  });
}

void PollFeed::handle(std::shared_ptr<Fetched> fetched) {
  if (stopped_) return;
  const HttpResponse& index = fetched->index;
  const std::string source = "poll:" + name_;
  auto fail = [&](const std::string& why) {
    ++failures_;
    Millis backoff = interval_ * (int64_t{1} << std::min(failures_, 4));
    spdlog::warn("poll {}: {}; next try in {}", name_, why, format_duration(backoff));
    try {
      engine_.record_refusal("feed_error", source, why);
    } catch (const std::exception& e) {
      spdlog::error("poll {}: filing the error failed: {}", name_, e.what());
    }
    schedule(backoff);
  };
  if (index.status == 304) {
    failures_ = 0;
    return schedule(interval_);
  }
  if (index.status != 200)
    return fail(index.transport_failed() ? "cannot fetch " + url_ + ": " + index.error
                                         : fmt::format("{} answered HTTP {}", url_, index.status));
  if (fetched->parsed.kind == FeedIndex::Kind::invalid) return fail(url_ + ": " + fetched->parsed.error);

  auto take = [&](const std::string& link, const std::string& body) {
    IngestResult r = ingest_bytes(engine_, body, WarningFormat::cap, source, &signed_by_);
    std::string outcome = r.kind == IngestResult::Kind::created     ? "created"
                          : r.kind == IngestResult::Kind::duplicate ? "duplicate"
                                                                    : "refused: " + r.reason;
    if (r.kind == IngestResult::Kind::created) {
      spdlog::info("poll {}: {} → warning {} ({} callouts)", name_, link, r.outcome.warning_id, r.outcome.callouts);
      changed_();
    } else if (r.kind != IngestResult::Kind::duplicate) {
      spdlog::warn("poll {}: {} refused: {}", name_, link, r.reason);
    }
    return outcome;
  };
  bool entry_failed = false;
  if (fetched->parsed.kind == FeedIndex::Kind::single_alert) {
    try {
      take(url_, index.body);  // the engine's sender+identifier dedup keeps a re-read alert from counting twice
    } catch (const std::exception& e) {
      entry_failed = true;  // the ETag is not kept: the alert is read and tried again
      spdlog::error("poll {}: {} could not be stored ({}); will retry", name_, url_, e.what());
    }
  } else {
    for (const auto& [link, response] : fetched->entries) {
      if (response.status != 200) {
        // Not recorded: tried again next round.
        entry_failed = true;
        spdlog::warn("poll {}: entry {} answered {}", name_, link,
                     response.transport_failed() ? response.error : std::to_string(response.status));
        continue;
      }
      try {
        std::string outcome = take(link, response.body);
        store_.record_feed_entry(
            name_, link,
            std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch()).count(), outcome);
        seen_.insert(link);
      } catch (const std::exception& e) {
        // Not stored (the disk, most likely): not recorded as taken, so fetched and tried again.
        entry_failed = true;
        spdlog::error("poll {}: entry {} could not be stored ({}); will retry", name_, link, e.what());
      }
    }
  }
  // Only a fully taken round may be skipped next time by its ETag.
  if (!entry_failed) {
    etag_ = index.header("etag");
    last_modified_ = index.header("last-modified");
  }
  failures_ = 0;
  schedule(interval_);
}

}  // namespace jiaoying
