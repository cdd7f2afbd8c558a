#include "daemon/group_commit.h"

#include <spdlog/spdlog.h>

namespace jiaoying {

GroupCommit::GroupCommit(boost::asio::io_context& io, Engine& engine, Work work, size_t max,
                         std::chrono::milliseconds window)
    : engine_(engine), work_(std::move(work)), max_(max), window_(window), timer_(io) {}

void GroupCommit::add(ServerRequest request, Respond respond) {
  // The answer is made inside the transaction and given only once it has committed.
  auto answer = std::make_shared<ServerResponse>();
  push([this, answer, request = std::move(request)] {
         *answer = work_(request);
         return true;
       },
       [answer, respond = std::move(respond)](bool committed) {
         if (!committed)
           *answer = ServerResponse{503, "application/json; charset=utf-8", R"({"error":"not recorded, try again"})"};
         respond(std::move(*answer));
       });
}

void GroupCommit::add(std::function<bool()> change, std::function<void(bool)> done) {
  push(std::move(change), std::move(done));
}

void GroupCommit::push(std::function<bool()> change, std::function<void(bool)> done) {
  pending_.emplace_back(std::move(change), std::move(done));
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
  std::vector<std::pair<std::function<bool()>, std::function<void(bool)>>> batch;
  batch.swap(pending_);
  std::vector<bool> filed(batch.size(), false);
  bool committed = false;
  try {
    Engine::Batch tx(engine_);
    for (size_t i = 0; i < batch.size(); ++i) filed[i] = batch[i].first();
    tx.commit();
    committed = true;
  } catch (const std::exception& e) {
    // Nothing of the burst is on disk: each is told so, and the phones (or the link) will ask again.
    spdlog::error("recording {} answer(s) failed: {}", batch.size(), e.what());
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].second(committed && filed[i]);
}

}  // namespace jiaoying
