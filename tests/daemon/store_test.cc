// The state machines (daemon/states.h) as the store enforces them: every allowed move, from
// every state it may start from, changes the row and writes its event; from every other state it
// is refused and writes nothing.
#include <doctest/doctest.h>

#include <string>

#include "daemon/schema.h"
#include "daemon/state_sql.h"
#include "daemon/store_sqlite.h"

namespace jiaoying {
namespace {

// One row of each entity, on a fresh database; the test puts each into every state in turn.
struct Rows {
  Db db{":memory:"};
  int64_t warning = 0, callout = 0, message = 0, broadcast = 0, report = 0;

  Rows() {
    migrate(db);
    db.exec("INSERT INTO warnings(sender, identifier, sent, source, hazard, level, areas, headline, description, raw, "
            "state, received_at) VALUES ('s', 'w1', 0, 'cma', 'rainstorm', 'red', '[]', 'h', 'd', '', 'active', 0)");
    warning = db.last_insert_id();
    db.exec("INSERT INTO plan_snapshots(warning_id, plan_name, file, yaml) VALUES (1, 'p', 'p.yaml', '')");
    db.exec("INSERT INTO callouts(warning_id, snapshot_id, person_id, person_name, zzd_account, mobile, area_code, "
            "area_name, role, seat, tier, state, started_at) VALUES (1, 1, 'p1', '张三', 'z', '19900000001', "
            "'330702', '婺城区', 'leader_on_duty', 'A', 'county', 'pending', 0)");
    callout = db.last_insert_id();
    db.exec("INSERT INTO messages(callout_id, step, channel, idem_key, priority, state, not_before, queued_at, "
            "updated_at) VALUES (1, 0, 'zzd', 'k1', 41, 'queued', 0, 0, 0)");
    message = db.last_insert_id();
    db.exec("INSERT INTO broadcasts(warning_id, snapshot_id, ebm_id, msg_type, state, not_before, title, body, areas, "
            "repeat, within_ms, queued_at, updated_at) VALUES (1, 1, 'E1', 1, 'queued', 0, 't', 'b', '[]', 1, 0, 0, 0)");
    broadcast = db.last_insert_id();
    db.exec("INSERT INTO reports(warning_id, snapshot_id, area_code, area_name, tier, state, created_at, due_at) "
            "VALUES (1, 1, '330702001', '城东街道', 'township', 'due', 0, 100)");
    report = db.last_insert_id();
  }

  void put(const std::string& table, int64_t id, std::string_view state) {
    db.prepare("UPDATE " + table + " SET state = ? WHERE id = ?").bind(1, state).bind(2, id).run();
  }
  std::string state(const std::string& table, int64_t id) {
    Stmt s = db.prepare("SELECT state FROM " + table + " WHERE id = ?");
    s.bind(1, id);
    REQUIRE(s.step());
    return s.text(0);
  }
  int64_t events() {
    Stmt s = db.prepare("SELECT COUNT(*) FROM events");
    s.step();
    return s.int64(0);
  }
  struct Event {
    std::string kind;
    std::optional<int64_t> warning, callout, message;
  };
  Event last_event() {
    Stmt s = db.prepare("SELECT kind, warning_id, callout_id, message_id FROM events ORDER BY id DESC LIMIT 1");
    REQUIRE(s.step());
    return {s.text(0), s.opt_int64(1), s.opt_int64(2), s.opt_int64(3)};
  }
};

std::string first_event(std::string_view events) { return std::string(events.substr(0, events.find(' '))); }

// Every move of one entity from every state: moved (and its event written, filed under the
// right rows) exactly when the move's table allows it.
template <class Rule, class Apply, class FiledUnder>
void walk(Rows& rows, const std::string& table, int64_t id, std::span<const Rule> moves, Apply apply,
          FiledUnder filed_under_of) {
  using State = decltype(Rule{}.to);
  for (const Rule& rule : moves) {
    for (State from : all_states<State>()) {
      CAPTURE(rule.name);
      CAPTURE(state_name(from));
      rows.put(table, id, state_name(from));
      const int64_t before = rows.events();
      const std::string kind = first_event(rule.events);
      const bool moved = apply(rule.move, Audit{kind, "test", "why"});
      const Rows::Event filed_under = filed_under_of(rule.move);
      if (rule.from.has(from)) {
        CHECK(moved);
        CHECK(rows.state(table, id) == state_name(rule.to));
        CHECK(rows.events() == before + 1);
        const Rows::Event e = rows.last_event();
        CHECK(e.kind == kind);
        CHECK(e.warning == filed_under.warning);
        CHECK(e.callout == filed_under.callout);
        CHECK(e.message == filed_under.message);
      } else {
        CHECK_FALSE(moved);
        CHECK(rows.state(table, id) == state_name(from));
        CHECK(rows.events() == before);
      }
    }
  }
}

}  // namespace

TEST_CASE("each table lists its moves in the order of their enum, each with a source and an event") {
  auto check = [](auto moves) {
    for (size_t i = 0; i < moves.size(); ++i) {
      CAPTURE(moves[i].name);
      CHECK(static_cast<size_t>(moves[i].move) == i);
      CHECK(&rule(moves[i].move) == &moves[i]);
      CHECK_FALSE(moves[i].from.empty());
      CHECK_FALSE(moves[i].events.empty());
    }
  };
  check(warning_moves());
  check(callout_moves());
  check(message_moves());
  check(broadcast_moves());
  check(report_moves());
  check(spot_check_moves());
}

TEST_CASE("every state's name reads back as that state; an unknown name is no state") {
  for (CalloutState s : all_states<CalloutState>()) CHECK(parse_state<CalloutState>(state_name(s)) == s);
  for (MessageState s : all_states<MessageState>()) CHECK(parse_state<MessageState>(state_name(s)) == s);
  for (BroadcastState s : all_states<BroadcastState>()) CHECK(parse_state<BroadcastState>(state_name(s)) == s);
  for (ReportState s : all_states<ReportState>()) CHECK(parse_state<ReportState>(state_name(s)) == s);
  for (WarningState s : all_states<WarningState>()) CHECK(parse_state<WarningState>(state_name(s)) == s);
  for (SpotCheckState s : all_states<SpotCheckState>()) CHECK(parse_state<SpotCheckState>(state_name(s)) == s);
  CHECK_FALSE(parse_state<CalloutState>("ringing").has_value());
  CHECK_FALSE(parse_state<MessageState>("").has_value());
}

TEST_CASE("every warning move is made from the states its table allows, and refused from the others") {
  Rows rows;
  SqliteStore store(rows.db);
  walk<WarningMoveRule>(
      rows, "warnings", rows.warning, warning_moves(),
      [&](WarningMove m, const Audit& a) { return store.move_warning(m, rows.warning, a, 1); },
      [&](auto) { return Rows::Event{"", rows.warning, std::nullopt, std::nullopt}; });
}

TEST_CASE("every callout move is made from the states its table allows, and refused from the others") {
  Rows rows;
  SqliteStore store(rows.db);
  walk<CalloutMoveRule>(
      rows, "callouts", rows.callout, callout_moves(),
      [&](CalloutMove m, const Audit& a) {
        switch (m) {
          case CalloutMove::advance:
            return store.advance_callout(rows.warning, rows.callout, 1, 500, std::nullopt, 0, a, 1);
          case CalloutMove::answer:
            return store.answer_callout(rows.warning, rows.callout, "zzd", "test", false, a, 1);
          default:
            return store.end_callout(m, rows.warning, rows.callout, a, 1);
        }
      },
      [&](auto) { return Rows::Event{"", rows.warning, rows.callout, std::nullopt}; });
}

TEST_CASE("every message move is made from the states its table allows, and refused from the others") {
  Rows rows;
  SqliteStore store(rows.db);
  const MessageRef ref{rows.warning, rows.callout, rows.message};
  walk<MessageMoveRule>(
      rows, "messages", rows.message, message_moves(),
      [&](MessageMove m, const Audit& a) {
        switch (m) {
          case MessageMove::claim: return store.claim_message(ref, "primary", a, 1);
          case MessageMove::sent: return store.message_sent(ref, "ref-1", a, 1);
          case MessageMove::requeue: return store.requeue_message(ref, 5, "busy", false, a, 1);
          case MessageMove::cancel:
            return store.cancel_messages(rows.warning, rows.callout, std::nullopt, "answered", "test", 1) == 1;
          default: return store.end_message(m, ref, "refused", a, 1);
        }
      },
      [&](auto) { return Rows::Event{"", rows.warning, rows.callout, rows.message}; });
}

TEST_CASE("every broadcast move is made from the states its table allows, and refused from the others") {
  Rows rows;
  SqliteStore store(rows.db);
  walk<BroadcastMoveRule>(
      rows, "broadcasts", rows.broadcast, broadcast_moves(),
      [&](BroadcastMove m, const Audit& a) {
        switch (m) {
          case BroadcastMove::claim: return store.claim_broadcast(rows.warning, rows.broadcast, a, 1);
          case BroadcastMove::sent:
          case BroadcastMove::cancel_sent: return store.broadcast_sent(m, rows.warning, rows.broadcast, 60, a, 1);
          case BroadcastMove::requeue:
            return store.requeue_broadcast(rows.warning, rows.broadcast, 5, std::nullopt, true, a, 1);
          default: return store.move_broadcast(m, rows.warning, rows.broadcast, std::nullopt, a, 1);
        }
      },
      [&](auto) { return Rows::Event{"", rows.warning, std::nullopt, std::nullopt}; });
}

TEST_CASE("every report-back move is made from the states its table allows, and refused from the others") {
  Rows rows;
  SqliteStore store(rows.db);
  walk<ReportMoveRule>(
      rows, "reports", rows.report, report_moves(),
      [&](ReportMove m, const Audit& a) {
        if (m == ReportMove::file || m == ReportMove::amend)
          return store.file_report(m, rows.warning, rows.report, {"张三", rows.callout, "张三", 2, 30, ""}, a, 200);
        return store.move_report(m, rows.warning, rows.report, a, 1);
      },
      [&](ReportMove m) {
        // A filing is on file under the callout of the person who filed it.
        const bool filing = m == ReportMove::file || m == ReportMove::amend;
        return Rows::Event{"", rows.warning, filing ? std::optional<int64_t>(rows.callout) : std::nullopt,
                           std::nullopt};
      });
  // A report filed after its deadline is marked late; amending keeps the mark.
  Stmt late = rows.db.prepare("SELECT filed_late, villages FROM reports WHERE id = ?");
  late.bind(1, rows.report);
  REQUIRE(late.step());
  CHECK(late.int64(0) == 1);
}

TEST_CASE("a move with an event its table does not name is refused and writes nothing") {
  Rows rows;
  SqliteStore store(rows.db);
  CHECK_THROWS_AS(store.end_callout(CalloutMove::exhaust, rows.warning, rows.callout, {"answered", "test", ""}, 1),
                  std::logic_error);
  CHECK_THROWS_AS(store.end_callout(CalloutMove::answer, rows.warning, rows.callout, {"answered", "test", ""}, 1),
                  std::logic_error);
  CHECK(rows.state("callouts", rows.callout) == "pending");
  CHECK(rows.events() == 0);
}

TEST_CASE("a move and its event are one: rolled back together, or made together on their own") {
  Rows rows;
  SqliteStore store(rows.db);
  {
    Transaction tx(rows.db);
    CHECK(store.end_callout(CalloutMove::exhaust, rows.warning, rows.callout, {"exhausted", "test", ""}, 1));
    // tx left without commit: rolled back
  }
  CHECK(rows.state("callouts", rows.callout) == "pending");
  CHECK(rows.events() == 0);
  // Outside any transaction the move takes one of its own.
  CHECK(store.end_callout(CalloutMove::exhaust, rows.warning, rows.callout, {"exhausted", "test", ""}, 1));
  CHECK_FALSE(rows.db.in_transaction());
  CHECK(rows.state("callouts", rows.callout) == "exhausted");
  CHECK(rows.events() == 1);
}

TEST_CASE("cancelling a callout's queued messages cancels each with its own event, on one channel when asked") {
  Rows rows;
  SqliteStore store(rows.db);
  rows.db.exec("INSERT INTO messages(callout_id, step, channel, idem_key, priority, state, not_before, queued_at, "
               "updated_at) VALUES (1, 1, 'sms', 'k2', 41, 'queued', 0, 0, 0), (1, 1, 'zzd', 'k3', 41, 'sent', 0, 0, 0)");
  CHECK(store.cancel_messages(rows.warning, rows.callout, "sms", "superseded by step 3", "engine", 1) == 1);
  CHECK(rows.state("messages", rows.message) == "queued");  // the zzd one is not touched
  CHECK(store.cancel_messages(rows.warning, rows.callout, std::nullopt, "answered", "engine", 1) == 1);
  CHECK(rows.state("messages", rows.message) == "cancelled");
  CHECK(rows.events() == 2);
  CHECK(rows.last_event().message == rows.message);
}

}  // namespace jiaoying

namespace jiaoying {
namespace {

// The hot reads name their states from daemon/states.h (daemon/state_sql.h); spelled that way
// they must still be the very constants of the partial indexes, or SQLite walks every row.
TEST_CASE("every hot read meets the index it was written for, and a dropped index is found") {
  Rows rows;
  {
    SqliteStore store(rows.db);
    for (const SqliteStore::OffIndex& off : store.reads_off_their_index())
      FAIL_CHECK(off.read << " does not use " << off.index);
    CHECK(store.reads_off_their_index().empty());
  }
  rows.db.exec("DROP INDEX messages_ready; DROP INDEX reports_due");
  SqliteStore store(rows.db);  // prepared again: a plan is made when a statement is
  const std::vector<SqliteStore::OffIndex> off = store.reads_off_their_index();
  REQUIRE(off.size() == 2);
  CHECK(off[0].read == "claimable messages");
  CHECK(off[0].index == "messages_ready");
  CHECK(off[1].read == "report-backs past due");
  CHECK(off[1].index == "reports_due");
}

TEST_CASE("state names in SQL are the enum's names, quoted, in the enum's order") {
  CHECK(sql_name(MessageState::queued) == "'queued'");
  CHECK(sql_names(kOpenCallout) == "'pending','calling'");
  CHECK(sql_names({CalloutState::calling, CalloutState::pending}) == "'pending','calling'");
  CHECK(sql_names(kAwaitedBroadcast) == "'queued','sending','sent'");
  CHECK(sql_names(States<ReportState>{}).empty());
}

}  // namespace
}  // namespace jiaoying
