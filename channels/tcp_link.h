// One long-lived TCP connection that a link provider keeps open (a carrier's CMPP gateway, an
// Asterisk PBX's manager port): resolve, connect, read into a handler, write in order, and when
// it is lost — or closed by its owner — say why (in the log, and to the owner) and open it again
// after an exponential back-off with jitter (min doubling to max), until stopped. It knows nothing of the protocol
// spoken on it. Everything happens on the thread running `io`; the owner keeps itself alive
// through the handlers by handing open() a shared pointer to itself.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace jiaoying {

class TcpLink {
 public:
  struct Handlers {
    std::function<void()> connected;                      // the connection is up: log in
    std::function<void(std::string_view bytes)> received;  // what arrived, in order
    std::function<void(const std::string& why)> lost;      // down; it is opened again after retry_in()
  };
  // `label` names the link in the log ("CMPP carrier").
  TcpLink(boost::asio::io_context& io, std::string label, std::string host, std::string port,
          std::chrono::milliseconds backoff_min, std::chrono::milliseconds backoff_max);
  TcpLink(const TcpLink&) = delete;
  TcpLink& operator=(const TcpLink&) = delete;

  // Connects now, and again after each loss. `owner` is held by every pending handler.
  void open(Handlers handlers, std::shared_ptr<void> owner);
  // Queued behind what is being written; dropped when not connected.
  void send(std::string bytes);
  // Ends this connection (a protocol error, a refused login): `lost(why)` is told, and the next
  // connection is tried after the back-off.
  void close(const std::string& why);
  // Closes for good: nothing is told, nothing reopened.
  void stop();

  bool connected() const { return connected_; }
  bool stopped() const { return stopped_; }
  // Changes with every connection tried: work for an earlier one can tell it is stale.
  uint64_t connection() const { return connection_; }
  // The wait before the next try (after a loss).
  std::chrono::milliseconds retry_in() const { return retry_in_; }
  // The owner's protocol is up on it (logged in): the back-off starts again from min, and the
  // next loss is news (an error in the log; the same loss again while retrying is not).
  void logged_in();
  void backoff_to_max() { backoff_ = max_; }  // a refusal that will not mend itself
  std::string where() const { return host_ + ":" + port_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void connect();
  void read();
  void write_next();
  void lose(const std::string& why);

  const std::string label_, host_, port_;
  const std::chrono::milliseconds min_, max_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer retry_timer_;
  std::mt19937_64 rng_;
  Handlers handlers_;
  std::shared_ptr<void> owner_;
  std::chrono::milliseconds backoff_, retry_in_{0};
  bool connected_ = false, stopped_ = false, up_ = false;
  std::string last_error_ = "not connected yet", last_logged_;
  uint64_t connection_ = 0;
  std::array<char, 8192> buffer_{};
  std::deque<std::string> outbox_;
  bool writing_ = false;
};

}  // namespace jiaoying
