// The HTTP server against hostile clients: a flood of idle and half-sent connections, more than
// the process has file descriptors for, headers too large. Over real loopback sockets; the clients
// are plain blocking sockets with a receive timeout, so a failing server fails the test rather
// than hanging it.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cerrno>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/http_server.h"

using namespace jiaoying;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A server on 127.0.0.1, its io thread running until the fixture ends.
struct Served {
  asio::io_context io;
  std::unique_ptr<HttpServer> server;
  unsigned short port = 0;
  std::thread thread;

  Served(AsyncRequestHandler handler, ServerLimits limits) {
    server = std::make_unique<HttpServer>(io, std::move(handler), limits);
    port = server->listen_tcp("127.0.0.1:0");
    thread = std::thread([this] { io.run(); });
  }
  ~Served() {
    asio::post(io, [this] { server->stop(); });
    io.stop();
    thread.join();
  }
};

AsyncRequestHandler answer_ok() {
  return [](ServerRequest request, Respond respond) { respond(ServerResponse{200, "text/plain", "ok " + request.path}); };
}

// The clients' one io_context (each of its own would hold descriptors of its own).
asio::io_context& client_io() {
  static asio::io_context io;
  return io;
}

// A client connection. `wait` bounds every read: a server that never answers fails, not hangs.
struct Client {
  tcp::socket socket{client_io()};

  explicit Client(unsigned short port, std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_wait(wait);
  }
  void set_wait(std::chrono::milliseconds wait) {
    timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
  // As a hostile client sends: the server may well have dropped it already.
  void try_send(const std::string& bytes) {
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(bytes), ignored);
  }
  // Reads until the response's headers and `Content-Length` body are in; what came on EOF or
  // timeout. Plain recv(2), which honours SO_RCVTIMEO (Asio's blocking read would poll on).
  std::string response() {
    std::string got;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(socket.native_handle(), buf, sizeof buf, 0);
      if (n <= 0) return got;
      got.append(buf, static_cast<size_t>(n));
      const size_t end = got.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const size_t at = got.find("Content-Length: ");
      const size_t length = at == std::string::npos ? 0 : std::stoul(got.substr(at + 16));
      if (got.size() >= end + 4 + length) return got;
    }
  }
  // True when the server has closed this connection (EOF or reset within the wait).
  bool closed_by_server() {
    char c;
    const ssize_t n = ::recv(socket.native_handle(), &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
};

std::string get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: jiaoying\r\n\r\n"; }
// A request the client never finishes: the line and one header, no blank line.
const std::string kHalf = "GET /never-finished HTTP/1.1\r\nHost: jiaoying\r\n";

}  // namespace

TEST_CASE("a flood of half-sent and idle connections at the cap does not shut out a good request") {
  ServerLimits limits;
  limits.max_connections = 8;
  limits.read_timeout = std::chrono::seconds(60);  // nothing here is dropped for being slow
  Served s(answer_ok(), limits);
  // Eight connections, each answered once (so the server holds them, in this order), then left
  // half-way through a second request: as slow-loris clients and idle keep-alives look.
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<Client>(s.port));
    idle.back()->send(get("/hello"));
    REQUIRE(idle.back()->response().starts_with("HTTP/1.1 200"));
    idle.back()->send(kHalf);
  }
  // A ninth, at the cap: the connection that has waited longest gives way to it.
  Client good(s.port);
  good.send(get("/warning"));
  CHECK(good.response().find("ok /warning") != std::string::npos);
  CHECK(idle[0]->closed_by_server());
  idle[7]->set_wait(std::chrono::milliseconds(300));
  CHECK_FALSE(idle[7]->closed_by_server());  // the newest is kept
  // And again: the next longest waiting goes (the good connection, now idle itself, is newer).
  Client again(s.port);
  again.send(get("/again"));
  CHECK(again.response().find("ok /again") != std::string::npos);
  CHECK(idle[1]->closed_by_server());
}

TEST_CASE("when every connection is being answered, one more is told 503, not left waiting") {
  std::mutex m;
  std::vector<Respond> held;
  std::atomic<int> asked{0};
  ServerLimits limits;
  limits.max_connections = 2;
  Served s(
      [&](ServerRequest, Respond respond) {
        std::lock_guard lock(m);
        held.push_back(std::move(respond));
        ++asked;
      },
      limits);
  Client a(s.port), b(s.port);
  a.send(get("/slow-answer"));
  b.send(get("/slow-answer"));
  for (int i = 0; i < 500 && asked < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(asked == 2);
  Client c(s.port);
  c.send(get("/third"));
  const std::string refused = c.response();
  CHECK(refused.starts_with("HTTP/1.1 503"));
  CHECK(refused.find("too many connections") != std::string::npos);
  {
    std::lock_guard lock(m);
    for (Respond& r : held) r(ServerResponse{200, "text/plain", "late"});
  }
  CHECK(a.response().find("late") != std::string::npos);  // the two being answered were kept
  CHECK(b.response().find("late") != std::string::npos);
  std::lock_guard lock(m);
  held.clear();  // they hold their sessions, which must go before the server's io_context
}

TEST_CASE("request headers over the limit are answered 431") {
  ServerLimits limits;
  limits.header_limit = 1024;
  Served s(answer_ok(), limits);
  Client c(s.port);
  c.send("GET / HTTP/1.1\r\nHost: jiaoying\r\nX-Padding: " + std::string(4096, 'a') + "\r\n\r\n");
  CHECK(c.response().starts_with("HTTP/1.1 431"));
}

TEST_CASE("out of file descriptors, the server drops the longest-waiting connection and serves a new one") {
  Served s(answer_ok(), ServerLimits{});  // no cap of its own: only the process's limit
  { Client warm(s.port); }  // the clients' io_context has made its own descriptors
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  size_t in_use = 0;
  for ([[maybe_unused]] const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) ++in_use;
  rlimit tight = saved;
  tight.rlim_cur = in_use + 64;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
  // Take every descriptor left, then give back exactly 21: 10 client sockets, the 10 the server
  // accepts for them, and one client more, whose side on the server is one too many.
  std::vector<int> filler;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) filler.push_back(fd);
  REQUIRE(filler.size() >= 21);
  for (int i = 0; i < 21; ++i) ::close(filler.back()), filler.pop_back();
  {
    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < 10; ++i) {
      idle.push_back(std::make_unique<Client>(s.port));
      idle.back()->send(get("/hello"));
      REQUIRE(idle.back()->response().starts_with("HTTP/1.1 200"));
    }
    Client good(s.port);
    good.send(get("/warning"));
    CHECK(good.response().find("ok /warning") != std::string::npos);
    CHECK(idle[0]->closed_by_server());
    idle[9]->set_wait(std::chrono::milliseconds(300));
    CHECK_FALSE(idle[9]->closed_by_server());  // only the one needed was dropped
  }
  for (int fd : filler) ::close(fd);
  ::setrlimit(RLIMIT_NOFILE, &saved);
}

TEST_CASE("a hostile run: thousands of half-sent connections, garbage, huge headers, a slow reader") {
  // Enough descriptors for 2,000 connections at both ends, where the machine allows it.
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit wide = saved;
  wide.rlim_cur = std::min<rlim_t>(saved.rlim_max, 8192);
  ::setrlimit(RLIMIT_NOFILE, &wide);
  const int half_sent = wide.rlim_cur >= 8192 ? 2000 : 400;
  {
    ServerLimits limits;  // as the daemon runs: 1,024 connections, 15 s deadlines
    const std::string large(8 << 20, 'x');
    Served s(
        [&](ServerRequest request, Respond respond) {
          respond(ServerResponse{200, "text/plain", request.path == "/large" ? large : "ok " + request.path});
        },
        limits);
    std::vector<std::unique_ptr<Client>> hostile;
    // A slow reader: asks for 8 MiB and reads none of it.
    hostile.push_back(std::make_unique<Client>(s.port));
    hostile.back()->send(get("/large"));
    for (int i = 0; i < half_sent; ++i) {
      hostile.push_back(std::make_unique<Client>(s.port));
      hostile.back()->try_send(kHalf);
    }
    Client garbage(s.port);
    garbage.send("NOT HTTP AT ALL\r\n\r\n");
    CHECK(garbage.response().starts_with("HTTP/1.1 400"));
    Client huge(s.port);
    huge.send("GET / HTTP/1.1\r\nHost: jiaoying\r\nX-Padding: " + std::string(64 << 10, 'a') + "\r\n\r\n");
    CHECK(huge.response().starts_with("HTTP/1.1 431"));
    std::string many = "GET / HTTP/1.1\r\nHost: jiaoying\r\n";
    for (int i = 0; i < 200; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
    Client fields(s.port);
    fields.send(many + "\r\n");
    CHECK(fields.response().starts_with("HTTP/1.1 431"));
    // After all that, a good request is answered.
    Client good(s.port);
    good.send(get("/warning"));
    CHECK(good.response().find("ok /warning") != std::string::npos);
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
}
