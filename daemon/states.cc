#include "daemon/states.h"

#include <array>

#include "rules/names.h"

namespace jiaoying {
namespace {

using enum WarningState;

constexpr std::array<std::string_view, 5> kWarningNames{"active", "closed", "superseded", "cancelled", "expired"};
constexpr std::array<std::string_view, 6> kCalloutNames{"pending",   "calling",   "answered",
                                                        "covered",   "exhausted", "cancelled"};
constexpr std::array<std::string_view, 6> kMessageNames{"queued", "sending", "sent", "failed", "unknown", "cancelled"};
constexpr std::array<std::string_view, 8> kBroadcastNames{"queued",  "sending", "sent",        "played",
                                                          "partial", "failed",  "unconfirmed", "cancelled"};
constexpr std::array<std::string_view, 4> kReportNames{"due", "overdue", "filed", "cancelled"};
constexpr std::array<std::string_view, 6> kSpotCheckNames{"calling", "passed", "failed", "silent", "unreached",
                                                          "cancelled"};

template <class State, size_t N>
constexpr std::array<State, N> every() {
  std::array<State, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = static_cast<State>(i);
  return out;
}
constexpr auto kWarnings = every<WarningState, kWarningNames.size()>();
constexpr auto kCallouts = every<CalloutState, kCalloutNames.size()>();
constexpr auto kMessages = every<MessageState, kMessageNames.size()>();
constexpr auto kBroadcasts = every<BroadcastState, kBroadcastNames.size()>();
constexpr auto kReports = every<ReportState, kReportNames.size()>();
constexpr auto kSpotChecks = every<SpotCheckState, kSpotCheckNames.size()>();

template <class State, size_t N>
std::optional<State> parse(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<State>(i);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The tables. A row's order is its move's enum order (rule() indexes by it; the test checks).

constexpr WarningMoveRule kWarningMoves[] = {
    {WarningMove::close, "close", {active}, closed, "warning_closed",
     "no callout is open, no report-back is due and no loudspeaker report is awaited"},
    {WarningMove::supersede, "supersede", {active}, superseded, "superseded",
     "an Update referencing it arrives: its callouts carry on under the new warning"},
    {WarningMove::cancel, "cancel", {active}, cancelled, "warning_cancelled",
     "a Cancel referencing it arrives, or the duty desk cancels it"},
    {WarningMove::expire, "expire", {active}, expired, "warning_expired", "its `expires` passes"},
};

constexpr CalloutMoveRule kCalloutMoves[] = {
    {CalloutMove::advance, "advance", {CalloutState::pending, CalloutState::calling}, CalloutState::calling,
     "notified renotified", "a step of the ladder runs (the tick)"},
    {CalloutMove::exhaust, "exhaust", {CalloutState::pending, CalloutState::calling}, CalloutState::exhausted,
     "exhausted", "the plan's deadline passes with no answer"},
    {CalloutMove::answer, "answer", {CalloutState::pending, CalloutState::calling, CalloutState::exhausted},
     CalloutState::answered, "answered",
     "收到, key 1 on a call, an SMS reply code, a filed report-back, or the duty desk (late after exhaustion)"},
    {CalloutMove::cover, "cover", {CalloutState::pending, CalloutState::calling}, CalloutState::covered, "covered",
     "the post's other seat answered, or the post this escalation was raised for"},
    {CalloutMove::cancel, "cancel", {CalloutState::pending, CalloutState::calling}, CalloutState::cancelled,
     "cancelled", "the warning ends (cancel, expiry), an update leaves the person's area"},
};

constexpr MessageMoveRule kMessageMoves[] = {
    {MessageMove::claim, "claim", {MessageState::queued}, MessageState::sending, "message_sending",
     "the dispatcher takes it for a provider (before anything leaves)"},
    {MessageMove::sent, "sent", {MessageState::sending}, MessageState::sent, "message_sent",
     "the provider took it (or already had it under its key)"},
    {MessageMove::requeue, "requeue", {MessageState::sending}, MessageState::queued,
     "message_retry message_deferred message_recovered",
     "a temporary failure (back-off), the provider asked us to slow down, or a restart where the provider "
     "de-duplicates by key"},
    {MessageMove::fail, "fail", {MessageState::sending}, MessageState::failed, "message_failed",
     "the provider refused it, or the attempts ran out"},
    {MessageMove::unknown, "unknown", {MessageState::sending}, MessageState::unknown, "message_unknown",
     "a call or text may have gone (answer lost, or a restart mid-send): never sent again"},
    {MessageMove::cancel, "cancel", {MessageState::queued}, MessageState::cancelled, "message_cancelled",
     "answered, replaced by a later step on the same channel, or the callout ended"},
};

constexpr BroadcastMoveRule kBroadcastMoves[] = {
    {BroadcastMove::claim, "claim", {BroadcastState::queued}, BroadcastState::sending, "broadcast_sending",
     "the dispatcher takes it for the platform"},
    {BroadcastMove::sent, "sent", {BroadcastState::sending}, BroadcastState::sent, "broadcast_sent",
     "the platform took the EBM; its playback report is now awaited"},
    {BroadcastMove::cancel_sent, "cancel sent", {BroadcastState::sending}, BroadcastState::cancelled,
     "broadcast_cancel_sent", "the platform took the cancel EBM (MsgType 2)"},
    {BroadcastMove::requeue, "requeue", {BroadcastState::sending}, BroadcastState::queued,
     "broadcast_retry broadcast_deferred broadcast_recovered",
     "a temporary failure, the platform asked us to slow down, or a restart (the EBMID de-duplicates)"},
    {BroadcastMove::fail, "fail", {BroadcastState::sending}, BroadcastState::failed, "broadcast_failed",
     "the platform refused it, or the attempts ran out (the duty officer is told)"},
    {BroadcastMove::cancel, "cancel", {BroadcastState::queued, BroadcastState::sent}, BroadcastState::cancelled,
     "broadcast_cancelled", "the warning ended before it was sent, or was cancelled while its report was awaited"},
    {BroadcastMove::unconfirm, "unconfirm", {BroadcastState::sent}, BroadcastState::unconfirmed,
     "broadcast_unconfirmed", "no playback report by its deadline (the duty officer is told)"},
    {BroadcastMove::played, "played",
     {BroadcastState::sending, BroadcastState::sent, BroadcastState::unconfirmed, BroadcastState::partial,
      BroadcastState::failed},
     BroadcastState::played, "broadcast_report", "the platform reports it played in every area"},
    {BroadcastMove::partial, "partial",
     {BroadcastState::sending, BroadcastState::sent, BroadcastState::unconfirmed, BroadcastState::played,
      BroadcastState::failed},
     BroadcastState::partial, "broadcast_report", "the platform reports it played, but not in every area"},
    {BroadcastMove::play_failed, "play failed",
     {BroadcastState::sending, BroadcastState::sent, BroadcastState::unconfirmed, BroadcastState::played,
      BroadcastState::partial},
     BroadcastState::failed, "broadcast_report", "the platform reports the playback failed"},
    {BroadcastMove::platform_cancelled, "platform cancelled",
     {BroadcastState::sending, BroadcastState::sent, BroadcastState::unconfirmed, BroadcastState::played,
      BroadcastState::partial, BroadcastState::failed},
     BroadcastState::cancelled, "broadcast_report", "the platform reports it cancelled"},
};

constexpr ReportMoveRule kReportMoves[] = {
    {ReportMove::overdue, "overdue", {ReportState::due}, ReportState::overdue, "report_overdue",
     "its deadline passes unfiled (the area's posts are chased)"},
    {ReportMove::file, "file", {ReportState::due, ReportState::overdue}, ReportState::filed, "report_filed",
     "a post of the area files the form (late when overdue)"},
    {ReportMove::amend, "amend", {ReportState::filed}, ReportState::filed, "report_amended",
     "a post of the area files the form again"},
    {ReportMove::cancel, "cancel", {ReportState::due, ReportState::overdue}, ReportState::cancelled,
     "report_cancelled", "the warning ended, or an update left the area"},
};

constexpr SpotCheckMoveRule kSpotCheckMoves[] = {
    {SpotCheckMove::pass, "pass", {SpotCheckState::calling}, SpotCheckState::passed, "spot_check_passed",
     "every question answered with its yes key"},
    {SpotCheckMove::fail, "fail", {SpotCheckState::calling}, SpotCheckState::failed, "spot_check_failed",
     "a question answered with another key: the township is told at once"},
    {SpotCheckMove::silence, "silence", {SpotCheckState::calling}, SpotCheckState::silent, "spot_check_silent",
     "the call was answered and a question left without a key: the township is told at once"},
    {SpotCheckMove::unreach, "unreach", {SpotCheckState::calling}, SpotCheckState::unreached, "spot_check_unreached",
     "the call was not answered (busy, no answer, failed): the township is told at once"},
    {SpotCheckMove::cancel, "cancel", {SpotCheckState::calling}, SpotCheckState::cancelled, "spot_check_cancelled",
     "its call could not be placed (no phone channel took it)"},
};

}  // namespace

std::string_view state_name(WarningState s) { return kWarningNames[static_cast<size_t>(s)]; }
std::string_view state_name(CalloutState s) { return kCalloutNames[static_cast<size_t>(s)]; }
std::string_view state_name(MessageState s) { return kMessageNames[static_cast<size_t>(s)]; }
std::string_view state_name(BroadcastState s) { return kBroadcastNames[static_cast<size_t>(s)]; }
std::string_view state_name(ReportState s) { return kReportNames[static_cast<size_t>(s)]; }
std::string_view state_name(SpotCheckState s) { return kSpotCheckNames[static_cast<size_t>(s)]; }

template <>
std::optional<WarningState> parse_state(std::string_view n) { return parse<WarningState>(kWarningNames, n); }
template <>
std::optional<CalloutState> parse_state(std::string_view n) { return parse<CalloutState>(kCalloutNames, n); }
template <>
std::optional<MessageState> parse_state(std::string_view n) { return parse<MessageState>(kMessageNames, n); }
template <>
std::optional<BroadcastState> parse_state(std::string_view n) { return parse<BroadcastState>(kBroadcastNames, n); }
template <>
std::optional<ReportState> parse_state(std::string_view n) { return parse<ReportState>(kReportNames, n); }
template <>
std::optional<SpotCheckState> parse_state(std::string_view n) { return parse<SpotCheckState>(kSpotCheckNames, n); }

template <>
std::span<const WarningState> all_states() { return kWarnings; }
template <>
std::span<const CalloutState> all_states() { return kCallouts; }
template <>
std::span<const MessageState> all_states() { return kMessages; }
template <>
std::span<const BroadcastState> all_states() { return kBroadcasts; }
template <>
std::span<const ReportState> all_states() { return kReports; }
template <>
std::span<const SpotCheckState> all_states() { return kSpotChecks; }

const WarningMoveRule& rule(WarningMove m) { return kWarningMoves[static_cast<size_t>(m)]; }
const CalloutMoveRule& rule(CalloutMove m) { return kCalloutMoves[static_cast<size_t>(m)]; }
const MessageMoveRule& rule(MessageMove m) { return kMessageMoves[static_cast<size_t>(m)]; }
const BroadcastMoveRule& rule(BroadcastMove m) { return kBroadcastMoves[static_cast<size_t>(m)]; }
const ReportMoveRule& rule(ReportMove m) { return kReportMoves[static_cast<size_t>(m)]; }
const SpotCheckMoveRule& rule(SpotCheckMove m) { return kSpotCheckMoves[static_cast<size_t>(m)]; }

std::span<const WarningMoveRule> warning_moves() { return kWarningMoves; }
std::span<const CalloutMoveRule> callout_moves() { return kCalloutMoves; }
std::span<const MessageMoveRule> message_moves() { return kMessageMoves; }
std::span<const BroadcastMoveRule> broadcast_moves() { return kBroadcastMoves; }
std::span<const ReportMoveRule> report_moves() { return kReportMoves; }
std::span<const SpotCheckMoveRule> spot_check_moves() { return kSpotCheckMoves; }

bool writes_event(std::string_view events, std::string_view kind) { return has_word(events, kind); }

}  // namespace jiaoying
