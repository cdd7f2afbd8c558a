#include "channels/tcp_link.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <spdlog/spdlog.h>

namespace jiaoying {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TcpLink::TcpLink(asio::io_context& io, std::string label, std::string host, std::string port,
                 std::chrono::milliseconds backoff_min, std::chrono::milliseconds backoff_max)
    : label_(std::move(label)),
      host_(std::move(host)),
      port_(std::move(port)),
      min_(backoff_min),
      max_(backoff_max),
      socket_(io),
      resolver_(io),
      retry_timer_(io),
      rng_(std::random_device{}()),
      backoff_(backoff_min) {}

void TcpLink::open(Handlers handlers, std::shared_ptr<void> owner) {
  handlers_ = std::move(handlers);
  owner_ = std::move(owner);
  connect();
}

void TcpLink::connect() {
  if (stopped_) return;
  const uint64_t c = ++connection_;
  resolver_.async_resolve(host_, port_, [this, owner = owner_, c](boost::system::error_code ec,
                                                                   tcp::resolver::results_type endpoints) {
    if (stopped_ || c != connection_) return;
    if (ec) return lose("cannot resolve " + host_ + ": " + ec.message());
    asio::async_connect(socket_, endpoints, [this, owner, c](boost::system::error_code ec, const tcp::endpoint&) {
      if (stopped_ || c != connection_) return;
      if (ec) return lose("cannot connect: " + ec.message());
      connected_ = true;
      read();
      if (handlers_.connected) handlers_.connected();
    });
  });
}

void TcpLink::read() {
  socket_.async_read_some(asio::buffer(buffer_), [this, owner = owner_, c = connection_](boost::system::error_code ec,
                                                                                          size_t n) {
    if (stopped_ || c != connection_) return;
    if (ec) return lose(ec == asio::error::eof ? "the far end closed the link" : "read: " + ec.message());
    if (handlers_.received) handlers_.received(std::string_view(buffer_.data(), n));
    if (!stopped_ && c == connection_) read();  // unless the handler closed it
  });
}

void TcpLink::send(std::string bytes) {
  if (!connected_) return;
  outbox_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void TcpLink::write_next() {
  if (outbox_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  asio::async_write(socket_, asio::buffer(outbox_.front()),
                    [this, owner = owner_, c = connection_](boost::system::error_code ec, size_t) {
                      if (stopped_ || c != connection_) return;
                      if (ec) return lose("write: " + ec.message());
                      outbox_.pop_front();
                      write_next();
                    });
}

void TcpLink::close(const std::string& why) {
  if (!stopped_) lose(why);
}

void TcpLink::lose(const std::string& why) {
  ++connection_;  // what is still pending for this connection is now stale
  connected_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  outbox_.clear();
  writing_ = false;
  // Jitter of up to a quarter, so two links cut at once do not come back in step.
  retry_in_ = backoff_ + std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, backoff_.count() / 4)(rng_));
  backoff_ = std::min(backoff_ * 2, max_);
  // The first loss after being up is an error; the same failure again on each retry is not news.
  const double retry = static_cast<double>(retry_in_.count()) / 1000.0;
  if (up_ || why != last_logged_) spdlog::error("{} ({}): {}; trying again in {:.1f} s", label_, where(), why, retry);
  else spdlog::debug("{} ({}): {}; trying again in {:.1f} s", label_, where(), why, retry);
  up_ = false;
  last_error_ = last_logged_ = why;
  if (handlers_.lost) handlers_.lost(why);
  if (stopped_) return;
  retry_timer_.expires_after(retry_in_);
  retry_timer_.async_wait([this, owner = owner_](boost::system::error_code ec) {
    if (!ec && !stopped_) connect();
  });
}

void TcpLink::logged_in() {
  backoff_ = min_;
  up_ = true;
}

void TcpLink::stop() {
  stopped_ = true;
  ++connection_;
  connected_ = false;
  boost::system::error_code ignored;
  socket_.close(ignored);
  resolver_.cancel();
  retry_timer_.cancel();
  outbox_.clear();
  owner_.reset();
}

}  // namespace jiaoying
