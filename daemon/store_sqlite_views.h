// The store's read side on SQLite: the views of daemon/views.h as SQL over any connection.
#pragma once

#include "daemon/sqlite.h"
#include "daemon/views.h"

namespace jiaoying {

class SqliteViews final : public Views {
 public:
  explicit SqliteViews(Db& db) : db_(db) {}

  std::string warnings(const std::vector<ProviderStatus>& providers = {}) override;
  std::optional<int64_t> find_warning_id(const std::string& id_or_identifier) override;
  std::string warning(int64_t warning_id, TimePoint now, const CalloutQuery& query = {}) override;
  std::string events(int64_t warning_id, int64_t after, int limit, int latest = 0) override;
  std::string report(int64_t warning_id, TimePoint now, size_t limit = 0) override;
  std::string summary(TimePoint from, TimePoint to, bool drills) override;
  StoreGauges gauges(TimePoint now) override;
  int64_t last_event_id() override;
  std::vector<TrailEvent> events_of_note(int64_t after, int64_t upto, int limit) override;

 private:
  Db& db_;
};

}  // namespace jiaoying
