#include "channels/link_batch.h"

namespace jiaoying {

std::shared_ptr<LinkBatch> LinkBatch::make(std::vector<OutboundMessage> messages, LinkProvider::Done done) {
  auto b = std::make_shared<LinkBatch>();
  b->messages_ = std::move(messages);
  b->results_.resize(b->messages_.size());
  b->left_ = b->messages_.size();
  b->done_ = std::move(done);
  return b;
}

void LinkBatch::answer(size_t index, SendResult result) {
  results_[index] = std::move(result);
  if (--left_ > 0) return;
  Delivery d;
  d.results = std::move(results_);
  if (all_doubtful(d.results)) {
    d.fault = true;
    d.fault_detail = d.results.front().detail;
  }
  auto done = std::move(done_);
  done(std::move(d));
}

Delivery link_down(size_t messages, const std::string& why) {
  Delivery d;
  d.results = same_for_all(messages, {SendOutcome::retry, "", why});
  d.fault = true;
  d.fault_detail = why;
  return d;
}

}  // namespace jiaoying
