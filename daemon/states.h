// The states of what the store keeps — a warning, a callout, a message, a broadcast, a
// report-back — and the moves allowed between them. Each entity's moves are one table a reader
// can see (docs/architecture.md, "The state machines", prints the same tables): a move names the
// states it may start from, the state it ends in and the audit events it may write. The store
// (daemon/store.h) is the only writer of a state: its guarded UPDATE takes its `WHERE state IN`
// from these tables and writes the move's event in the same transaction, so an impossible move
// or a move with no event cannot reach the database.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

namespace jiaoying {

enum class WarningState : uint8_t { active, closed, superseded, cancelled, expired };
enum class CalloutState : uint8_t { pending, calling, answered, covered, exhausted, cancelled };
enum class MessageState : uint8_t { queued, sending, sent, failed, unknown, cancelled };
enum class BroadcastState : uint8_t { queued, sending, sent, played, partial, failed, unconfirmed, cancelled };
enum class ReportState : uint8_t { due, overdue, filed, cancelled };
// A 六问 spot check of one post: being called, then what its keys said (or that it was never
// reached); cancelled when its call could not go.
enum class SpotCheckState : uint8_t { calling, passed, failed, silent, unreached, cancelled };

// The names the database and every view use ("pending", "sent", …).
std::string_view state_name(WarningState s);
std::string_view state_name(CalloutState s);
std::string_view state_name(MessageState s);
std::string_view state_name(BroadcastState s);
std::string_view state_name(ReportState s);
std::string_view state_name(SpotCheckState s);

// A name read back from the database; nullopt for a name that is no state of the entity.
template <class State>
std::optional<State> parse_state(std::string_view name);

// Every state of an entity, in declaration order (for the tables, the views and the tests).
template <class State>
std::span<const State> all_states();

// A set of states, as a move's sources.
template <class State>
class States {
 public:
  constexpr States() = default;
  constexpr States(std::initializer_list<State> states) {
    for (State s : states) bits_ |= bit(s);
  }
  constexpr bool has(State s) const { return (bits_ & bit(s)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }

 private:
  static constexpr uint32_t bit(State s) { return uint32_t{1} << static_cast<unsigned>(s); }
  uint32_t bits_ = 0;
};

// The moves. Each has one row in its entity's table below and one guarded statement in the store.
enum class WarningMove : uint8_t { close, supersede, cancel, expire };
enum class CalloutMove : uint8_t { advance, exhaust, answer, cover, cancel };
enum class MessageMove : uint8_t { claim, sent, requeue, fail, unknown, cancel };
enum class BroadcastMove : uint8_t {
  claim, sent, cancel_sent, requeue, fail, cancel, unconfirm, played, partial, play_failed, platform_cancelled
};
enum class ReportMove : uint8_t { overdue, file, amend, cancel };
enum class SpotCheckMove : uint8_t { pass, fail, silence, unreach, cancel };

template <class Move, class State>
struct MoveRule {
  Move move;
  std::string_view name;     // as the docs and errors say it
  States<State> from;        // the states it may start from; any other is refused
  State to;
  std::string_view events;   // the audit event kinds it may write, space-separated
  std::string_view when;     // what makes it happen
};

using WarningMoveRule = MoveRule<WarningMove, WarningState>;
using CalloutMoveRule = MoveRule<CalloutMove, CalloutState>;
using MessageMoveRule = MoveRule<MessageMove, MessageState>;
using BroadcastMoveRule = MoveRule<BroadcastMove, BroadcastState>;
using ReportMoveRule = MoveRule<ReportMove, ReportState>;
using SpotCheckMoveRule = MoveRule<SpotCheckMove, SpotCheckState>;

const WarningMoveRule& rule(WarningMove m);
const CalloutMoveRule& rule(CalloutMove m);
const MessageMoveRule& rule(MessageMove m);
const BroadcastMoveRule& rule(BroadcastMove m);
const ReportMoveRule& rule(ReportMove m);
const SpotCheckMoveRule& rule(SpotCheckMove m);

std::span<const WarningMoveRule> warning_moves();
std::span<const CalloutMoveRule> callout_moves();
std::span<const MessageMoveRule> message_moves();
std::span<const BroadcastMoveRule> broadcast_moves();
std::span<const ReportMoveRule> report_moves();
std::span<const SpotCheckMoveRule> spot_check_moves();

// True when `kind` is one of the rule's event kinds.
bool writes_event(std::string_view events, std::string_view kind);

// The states a callout is still being called in (pending, calling).
inline constexpr States<CalloutState> kOpenCallout{CalloutState::pending, CalloutState::calling};
inline bool is_open(CalloutState s) { return kOpenCallout.has(s); }

// The states in which a callout's post counts as told: answered, or covered by its other seat.
inline constexpr States<CalloutState> kReachedCallout{CalloutState::answered, CalloutState::covered};
inline bool is_reached(CalloutState s) { return kReachedCallout.has(s); }

// A report-back still owed by its area (due, or overdue).
inline constexpr States<ReportState> kOwedReport{ReportState::due, ReportState::overdue};
inline bool is_owed(ReportState s) { return kOwedReport.has(s); }

// A loudspeaker broadcast its warning still waits on: queued, being sent, or sent with its
// playback report to come. A warning does not close while one is.
inline constexpr States<BroadcastState> kAwaitedBroadcast{BroadcastState::queued, BroadcastState::sending,
                                                          BroadcastState::sent};
inline bool is_awaited(BroadcastState s) { return kAwaitedBroadcast.has(s); }

}  // namespace jiaoying
