#include <doctest/doctest.h>

#include "rules/time.h"

using namespace jiaoying;

TEST_CASE("an ISO 8601 time with +08:00 is read as the same instant as its UTC form") {
  auto china = parse_iso8601("2026-06-15T02:00:00+08:00");
  auto utc = parse_iso8601("2026-06-14T18:00:00-00:00");
  auto zulu = parse_iso8601("2026-06-14T18:00:00Z");
  REQUIRE(china);
  REQUIRE(utc);
  CHECK(*china == *utc);
  CHECK(*zulu == *utc);
  CHECK(format_china_time(*china) == "2026-06-15T02:00:00+08:00");
}

TEST_CASE("a time without a zone, or with impossible fields, is refused") {
  CHECK_FALSE(parse_iso8601("2026-06-15T02:00:00"));
  CHECK_FALSE(parse_iso8601("2026-13-15T02:00:00+08:00"));
  CHECK_FALSE(parse_iso8601("2026-06-15T25:00:00+08:00"));
  CHECK_FALSE(parse_iso8601("tomorrow"));
  CHECK_FALSE(parse_iso8601(""));
}

TEST_CASE("fractional seconds are kept to the millisecond") {
  auto t = parse_iso8601("2026-06-15T02:00:00.250+08:00");
  REQUIRE(t);
  CHECK(to_epoch_ms(*t) % 1000 == 250);
}

TEST_CASE("durations read as plans write them and print back the same way") {
  CHECK(parse_duration("3m") == Millis(180'000));
  CHECK(parse_duration("1h30m") == Millis(5'400'000));
  CHECK(parse_duration("90s") == Millis(90'000));
  CHECK(parse_duration("0m") == Millis(0));
  CHECK(parse_duration("250ms") == Millis(250));
  CHECK_FALSE(parse_duration("3"));
  CHECK_FALSE(parse_duration("m3"));
  CHECK_FALSE(parse_duration("-3m"));
  CHECK_FALSE(parse_duration("3 minutes"));
  CHECK(format_duration(Millis(90'000)) == "1m30s");
  CHECK(format_duration(Millis(0)) == "0s");
  CHECK(format_duration(Millis(3'600'000)) == "1h");
}
