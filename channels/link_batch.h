// What the link providers (CMPP, AMI) share about the batches the dispatcher hands them: each
// message answered on its own as the far end answers it, the batch's Delivery once all are.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "channels/channel.h"

namespace jiaoying {

class LinkBatch {
 public:
  static std::shared_ptr<LinkBatch> make(std::vector<OutboundMessage> messages, LinkProvider::Done done);
  const OutboundMessage& message(size_t index) const { return messages_[index]; }
  size_t size() const { return messages_.size(); }
  // Message `index` has its result; the last one answers the batch (a fault when every result
  // is doubtful: the provider, not a message, is failing).
  void answer(size_t index, SendResult result);

 private:
  std::vector<OutboundMessage> messages_;
  std::vector<SendResult> results_;
  size_t left_ = 0;
  LinkProvider::Done done_;
};

// A batch refused whole because the link is down: nothing was sent, so it is retried, and the
// provider's breaker counts it.
Delivery link_down(size_t messages, const std::string& why);

}  // namespace jiaoying
