// State names as SQL text, for the stores that speak SQL.
//
// A query names the states it wants as literals, not as bound parameters: SQLite uses a partial
// index (callouts_due, messages_ready, reports_due, …) only when the query's WHERE repeats the
// index's own constants. Those literals are spelled here from daemon/states.h, never typed by hand,
// so a state renamed there is renamed in every query and a state removed stops the build. Only
// the migrations (daemon/schema.cc) write names literally — they are history — and
// tests/daemon/store_test.cc checks that the hot queries still meet their indexes.
#pragma once

#include <fmt/format.h>

#include <initializer_list>
#include <string>

#include "daemon/states.h"

namespace jiaoying {

// 'queued'
template <class State>
std::string sql_name(State s) {
  return fmt::format("'{}'", state_name(s));
}

// 'pending','calling' — in the enum's order, the order the indexes write them in.
template <class State>
std::string sql_names(States<State> set) {
  std::string out;
  for (State s : all_states<State>())
    if (set.has(s)) out += fmt::format("{}'{}'", out.empty() ? "" : ",", state_name(s));
  return out;
}

template <class State>
std::string sql_names(std::initializer_list<State> states) {
  return sql_names(States<State>(states));
}

}  // namespace jiaoying
