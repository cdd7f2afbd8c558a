// The Prometheus text exposition (daemon/metrics.h): label values escaped, histogram buckets
// cumulative and ending in +Inf, every family typed even before anything was counted. The whole
// exposition is checked by promtool in the end-to-end test.
#include <doctest/doctest.h>

#include "daemon/metrics.h"

using namespace jiaoying;

namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

}  // namespace

TEST_CASE("metrics: label values are escaped as the text format asks") {
  Metrics m;
  m.message_result("sms", "gate\"way\\2\nb", "sent");
  const std::string text = m.render({}, {});
  CHECK(has(text, R"(jiaoying_messages_total{channel="sms",provider="gate\"way\\2\nb",result="sent"} 1)"));
}

TEST_CASE("metrics: a histogram's buckets are cumulative, end in +Inf, and sum what was observed") {
  Metrics m;
  m.provider_request("zzd", 0.02);   // ≤ 0.025
  m.provider_request("zzd", 0.025);  // on a bound: counts in it (le is "less or equal")
  m.provider_request("zzd", 3);      // ≤ 5
  m.provider_request("zzd", 100);    // past the last bound: only in +Inf
  const std::string text = m.render({}, {});
  CHECK(has(text, R"(jiaoying_provider_request_seconds_bucket{provider="zzd",le="0.01"} 0)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_bucket{provider="zzd",le="0.025"} 2)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_bucket{provider="zzd",le="2.5"} 2)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_bucket{provider="zzd",le="5"} 3)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_bucket{provider="zzd",le="30"} 3)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_bucket{provider="zzd",le="+Inf"} 4)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_count{provider="zzd"} 4)"));
  CHECK(has(text, R"(jiaoying_provider_request_seconds_sum{provider="zzd"} 103.045)"));
}

TEST_CASE("metrics: the store's gauges, the breakers one-hot, the loop's lag and its worst") {
  Metrics m;
  m.loop_lag(0.5);
  m.loop_lag(0.01);
  m.answered("village", 95);
  StoreGauges g;
  g.warnings = {{"active", 1}, {"closed", 3}};
  g.open_callouts = {{{"calling", "village"}, 52}};
  g.queued = {{"sms", 7}};
  g.oldest_queued_seconds = 12.5;
  g.database_bytes = 4096;
  ProviderStatus down;
  down.name = "sms_backup";
  down.medium = "sms";
  down.state = "down";
  down.in_flight = 2;
  const std::string text = m.render(g, {down});
  CHECK(has(text, "jiaoying_engine_loop_lag_seconds 0.01"));
  CHECK(has(text, "jiaoying_engine_loop_lag_max_seconds 0.5"));
  CHECK(has(text, R"(jiaoying_time_to_answer_seconds_bucket{tier="village",le="60"} 0)"));
  CHECK(has(text, R"(jiaoying_time_to_answer_seconds_bucket{tier="village",le="120"} 1)"));
  CHECK(has(text, R"(jiaoying_warnings{state="closed"} 3)"));
  CHECK(has(text, R"(jiaoying_open_callouts{state="calling",tier="village"} 52)"));
  CHECK(has(text, R"(jiaoying_outbox_messages{channel="sms"} 7)"));
  CHECK(has(text, "jiaoying_outbox_oldest_seconds 12.5"));
  CHECK(has(text, "jiaoying_database_bytes 4096"));
  CHECK(has(text, R"(jiaoying_provider_state{provider="sms_backup",medium="sms",state="up"} 0)"));
  CHECK(has(text, R"(jiaoying_provider_state{provider="sms_backup",medium="sms",state="down"} 1)"));
  CHECK(has(text, R"(jiaoying_provider_in_flight{provider="sms_backup"} 2)"));
  // Every family is typed once, counted or not.
  for (const char* family : {"jiaoying_messages_total counter", "jiaoying_provider_request_seconds histogram",
                             "jiaoying_time_to_answer_seconds histogram", "jiaoying_warnings gauge"})
    CHECK(has(text, std::string("# TYPE ") + family));
}
