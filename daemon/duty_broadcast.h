// The loudspeakers (应急广播, the last mile): when a warning's plan has a broadcast rule, one EBM
// goes to the county platform naming every warned village (or township) with loudspeakers; its
// playback report says which played. Villages without loudspeakers, a refusal, a failed or partial
// playback and a report that never comes are each told to the duty room; a cancelled warning
// sends the platform a cancel (MsgType 2) for the same EBMID. docs/protocols/broadcast.md.
#pragma once

#include "daemon/duty.h"
#include "daemon/engine_types.h"

namespace jiaoying {

class BroadcastDuty final : public Duty {
 public:
  explicit BroadcastDuty(DutyHost& host) : host_(host) {}

  std::string_view name() const override { return "broadcast"; }
  void start(const DutyStart& start) override;
  // No playback report by its deadline: unconfirmed, the duty room told.
  int tick() override;
  void end(const DutyEnd& end) override;
  bool blocks_close(int64_t warning_id) override;

  // Claimed and completed like messages (the platform de-duplicates on the EBMID, so a crash
  // mid-send just sends it again).
  std::vector<BroadcastJob> claim(size_t limit);
  void complete(int64_t broadcast_id, const SendResult& result);
  // A playback report from the platform. False when it names an EBMID we never sent.
  bool report(const PlaybackReport& report, std::string_view actor);

 private:
  void cancel(Store::Tx& tx, int64_t warning_id, bool tell_platform);
  void event(int64_t warning_id, std::string_view kind, std::string_view actor, std::string_view detail);
  // The title and body of an EBM (or its cancel) for a warning under `owner`'s words.
  std::pair<std::string, std::string> wording(const Plan& owner, const Warning& w, const TemplateValues& values) const;

  DutyHost& host_;
};

}  // namespace jiaoying
