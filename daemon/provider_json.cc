#include "daemon/provider_json.h"

#include <boost/json.hpp>

namespace jiaoying {

boost::json::object provider_json(const ProviderStatus& p, int64_t waiting) {
  boost::json::object o{{"name", p.name},
                        {"medium", p.medium},
                        {"state", p.state},
                        {"since", format_china_time(p.since)},
                        {"in_flight", static_cast<int64_t>(p.in_flight)},
                        {"requests", p.requests},
                        {"faults", p.faults},
                        {"last_fault", p.last_fault},
                        {"waiting", waiting}};
  if (p.heartbeat)
    o["heartbeat"] = boost::json::object{
        {"at", format_china_time(p.heartbeat_at)}, {"ok", p.heartbeat_ok}, {"detail", p.heartbeat_detail}};
  return o;
}

}  // namespace jiaoying
