#include "daemon/group_commit.h"

#include <spdlog/spdlog.h>

namespace jiaoying {

GroupCommit::GroupCommit(boost::asio::io_context& io, Engine& engine, Work work, size_t max,
                         std::chrono::milliseconds window)
    : engine_(engine), work_(std::move(work)), max_(max), window_(window), timer_(io) {}

void GroupCommit::add(ServerRequest request, Respond respond) {
  pending_.emplace_back(std::move(request), std::move(respond));
  if (pending_.size() >= max_) return flush();
  if (armed_) return;
  armed_ = true;
  timer_.expires_after(window_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !armed_) return;
    flush();
  });
}

void GroupCommit::flush() {
  armed_ = false;
  timer_.cancel();
  std::vector<std::pair<ServerRequest, Respond>> batch;
  batch.swap(pending_);
  std::vector<ServerResponse> answers;
  answers.reserve(batch.size());
  try {
    Engine::Batch tx(engine_);
    for (auto& [request, respond] : batch) answers.push_back(work_(request));
    tx.commit();
  } catch (const std::exception& e) {
    // Nothing of the burst is on disk: each is told so, and the people's phones will ask again.
    spdlog::error("recording {} answer(s) failed: {}", batch.size(), e.what());
    answers.assign(batch.size(), ServerResponse{503, "application/json; charset=utf-8",
                                                R"({"error":"not recorded, try again"})"});
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].second(std::move(answers[i]));
}

}  // namespace jiaoying
