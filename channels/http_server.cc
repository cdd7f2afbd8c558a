#include "channels/http_server.h"

#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

namespace jiaoying {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// "unix:alice": who is at the other end of a Unix socket, from the kernel (SO_PEERCRED), so the
// duty desk's audit events name the Unix user who acted, not what the client says it is.
std::string unix_peer(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "unix";
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buffer(4096);
  if (::getpwuid_r(cred.uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found)
    return std::string("unix:") + found->pw_name;
  return "unix:uid " + std::to_string(cred.uid);
}

}  // namespace

bool split_host_port(const std::string& host_port, std::string& host, unsigned short& port) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos || colon + 1 == host_port.size()) return false;
  std::string digits = host_port.substr(colon + 1);
  if (digits.size() > 5) return false;
  for (char c : digits)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  unsigned long value = std::stoul(digits);
  if (value > 65535) return false;
  host = host_port.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  port = static_cast<unsigned short>(value);
  return true;
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::io_context& io;
  AsyncRequestHandler handler;
  ServerLimits limits;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> tcp_acceptors;
  std::vector<std::unique_ptr<asio::local::stream_protocol::acceptor>> unix_acceptors;
  std::vector<std::string> unix_paths;
  bool stopped = false;

  // What the connection cap needs of a session, whatever its socket. Used on the io thread.
  struct Open {
    bool waiting = false;  // reading a request (none yet, or part of one), not being answered
    std::chrono::steady_clock::time_point waiting_since;
    virtual ~Open() = default;
    virtual void drop() = 0;
  };
  std::vector<std::weak_ptr<Open>> open;  // the live sessions (ended ones swept on accept)

  Impl(asio::io_context& io_, AsyncRequestHandler h, ServerLimits l)
      : io(io_), handler(std::move(h)), limits(l) {}

  // Forgets the sessions that ended; how many are still open.
  size_t sweep() {
    std::erase_if(open, [](const std::weak_ptr<Open>& o) { return o.expired(); });
    return open.size();
  }

  // Closes the session that has waited longest for its request; false when none is waiting.
  bool drop_longest_waiting() {
    std::shared_ptr<Open> longest;
    size_t at = 0;
    for (size_t i = 0; i < open.size(); ++i) {
      std::shared_ptr<Open> o = open[i].lock();
      if (o && o->waiting && (!longest || o->waiting_since < longest->waiting_since)) {
        longest = o;
        at = i;
      }
    }
    if (!longest) return false;
    open.erase(open.begin() + static_cast<std::ptrdiff_t>(at));
    longest->drop();
    return true;
  }

  template <class Socket>
  struct Session : Open, std::enable_shared_from_this<Session<Socket>> {
    Socket socket;
    std::shared_ptr<Impl> server;
    std::string peer;
    beast::flat_buffer buffer;
    std::array<char, 4096> scratch;  // what linger() reads and forgets
    std::unique_ptr<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> response;
    asio::steady_timer deadline;

    Session(Socket s, std::shared_ptr<Impl> srv, std::string p)
        : socket(std::move(s)), server(std::move(srv)), peer(std::move(p)),
          deadline(socket.get_executor()) {}

    void drop() override {
      deadline.cancel();
      close();  // the pending read ends (operation_aborted), and so does the session
    }

    void start_read() {
      waiting = true;
      waiting_since = std::chrono::steady_clock::now();
      parser = std::make_unique<http::request_parser<http::string_body>>();
      parser->body_limit(server->limits.body_limit);
      parser->header_limit(static_cast<std::uint32_t>(server->limits.header_limit));
      deadline.expires_after(server->limits.read_timeout);
      deadline.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) {
          beast::error_code ignored;
          self->socket.close(ignored);
        }
      });
      http::async_read(socket, buffer, *parser,
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         self->on_read(ec);
                       });
    }

    void on_read(beast::error_code ec) {
      waiting = false;
      deadline.cancel();
      if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) return close();
      if (ec == http::error::body_limit) {
        return reply(ServerResponse{413, "application/json; charset=utf-8",
                                    R"({"error":"request body is over the limit"})"},
                     false);
      }
      if (ec == http::error::header_limit) {
        return reply(ServerResponse{431, "application/json; charset=utf-8",
                                    R"({"error":"request line and headers are over the limit"})"},
                     false);
      }
      if (ec) {
        if (ec == http::error::partial_message || ec == asio::error::eof ||
            ec == asio::error::connection_reset)
          return close();
        return reply(ServerResponse{400, "application/json; charset=utf-8",
                                    R"({"error":"malformed HTTP request"})"},
                     false);
      }
      auto& req = parser->get();
      if (std::distance(req.begin(), req.end()) > static_cast<std::ptrdiff_t>(server->limits.header_count)) {
        return reply(ServerResponse{431, "application/json; charset=utf-8",
                                    R"({"error":"too many header fields"})"},
                     false);
      }
      ServerRequest in;
      in.method = std::string(req.method_string());
      in.target = std::string(req.target());
      auto q = in.target.find('?');
      in.path = in.target.substr(0, q);
      if (q != std::string::npos) in.query = in.target.substr(q + 1);
      for (const auto& field : req) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        in.headers[name] = std::string(field.value());
      }
      in.body = std::move(req.body());
      in.peer = peer;
      const bool keep_alive = req.keep_alive();
      // The answer may come now or later, from this thread or another: it is posted back to the
      // session's executor and taken once.
      auto answered = std::make_shared<bool>(false);
      Respond respond = [self = this->shared_from_this(), keep_alive, answered](ServerResponse out) {
        asio::dispatch(self->socket.get_executor(), [self, keep_alive, answered, out = std::move(out)]() mutable {
          if (*answered) return;
          *answered = true;
          if (out.drop_connection) return self->close();
          self->reply(out, keep_alive);
        });
      };
      try {
        server->handler(std::move(in), respond);
      } catch (const std::exception&) {
        respond(ServerResponse{500, "application/json; charset=utf-8", std::string(R"({"error":"internal error"})")});
      }
    }

    void reply(const ServerResponse& out, bool keep_alive) {
      response = {};
      response.version(11);
      response.result(static_cast<http::status>(out.status));
      response.set(http::field::server, "jiaoying");
      response.set(http::field::content_type, out.content_type);
      for (const auto& [name, value] : out.headers) response.set(name, value);
      response.keep_alive(keep_alive);
      response.body() = out.body;
      response.prepare_payload();
      // A client that stops reading the answer is dropped like one that stops sending.
      deadline.expires_after(server->limits.read_timeout);
      deadline.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) {
          beast::error_code ignored;
          self->socket.close(ignored);
        }
      });
      http::async_write(socket, response,
                        [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                          self->deadline.cancel();
                          if (ec || self->server->stopped) return self->close();
                          if (!keep_alive) return self->linger();
                          self->start_read();
                        });
    }

    // After the last answer on a connection: stop sending, and read what the client still sends
    // (the rest of a refused body or header) until it closes, for 2 s at most. Closing at once
    // with unread bytes would reset the connection, and the client could lose the answer (413,
    // 431, 503) before reading it.
    void linger() {
      beast::error_code ignored;
      socket.shutdown(Socket::shutdown_send, ignored);
      deadline.expires_after(std::chrono::seconds(2));
      deadline.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->close();
      });
      drain();
    }
    void drain() {
      socket.async_read_some(asio::buffer(scratch), [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (!ec) return self->drain();
        self->deadline.cancel();
        self->close();
      });
    }

    void close() {
      beast::error_code ignored;
      socket.shutdown(Socket::shutdown_both, ignored);
      socket.close(ignored);
    }
  };

  template <class Acceptor>
  void accept(Acceptor* acceptor) {
    using Socket = typename Acceptor::protocol_type::socket;
    acceptor->async_accept([self = shared_from_this(), acceptor](beast::error_code ec, Socket s) {
      if (self->stopped || ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of file descriptors (or kernel memory): free one by dropping the longest-waiting
        // connection, and accept again shortly; accepting again at once would spin on the error.
        if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
            ec == asio::error::no_memory)
          self->drop_longest_waiting();
        auto pause = std::make_shared<asio::steady_timer>(self->io, std::chrono::milliseconds(20));
        pause->async_wait([self, acceptor, pause](beast::error_code) {
          if (!self->stopped) self->accept(acceptor);
        });
        return;
      }
      std::string peer = "unix";
      if constexpr (std::is_same_v<typename Acceptor::protocol_type, asio::ip::tcp>) {
        beast::error_code e2;
        auto ep = s.remote_endpoint(e2);
        if (!e2) peer = ep.address().to_string() + ":" + std::to_string(ep.port());
      } else {
        peer = unix_peer(s.native_handle());
      }
      auto session = std::make_shared<Session<Socket>>(std::move(s), self, std::move(peer));
      if (self->sweep() >= std::max<size_t>(self->limits.max_connections, 1) && !self->drop_longest_waiting()) {
        // Every connection is being answered: this one is told so, and not kept.
        session->reply(ServerResponse{503, "application/json; charset=utf-8",
                                      R"({"error":"too many connections: try again shortly"})"},
                       false);
      } else {
        self->open.push_back(session);
        session->start_read();
      }
      self->accept(acceptor);
    });
  }
};

HttpServer::HttpServer(asio::io_context& io, RequestHandler handler, ServerLimits limits)
    : HttpServer(io,
                 AsyncRequestHandler([handler = std::move(handler)](ServerRequest request, Respond respond) {
                   respond(handler(request));
                 }),
                 limits) {}

HttpServer::HttpServer(asio::io_context& io, AsyncRequestHandler handler, ServerLimits limits)
    : impl_(std::make_shared<Impl>(io, std::move(handler), limits)) {}

HttpServer::~HttpServer() { stop(); }

unsigned short HttpServer::listen_tcp(const std::string& host_port) {
  std::string host;
  unsigned short port = 0;
  if (!split_host_port(host_port, host, port))
    throw std::runtime_error("listen address '" + host_port + "' is not host:port");
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("listen address '" + host_port + "': '" + host + "' is not an IP address");
  asio::ip::tcp::endpoint ep(address, port);
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(impl_->io);
  // Said with the address, not Boost's source location: "cannot listen on 127.0.0.1:8640: Address
  // already in use (is another jiaoyingd running?)".
  auto fail = [&](const char* what) {
    std::string hint = ec == asio::error::address_in_use  ? " (is another jiaoyingd, or another program, on it?)"
                       : ec == asio::error::access_denied ? " (ports below 1024 need privileges)"
                                                          : "";
    throw std::runtime_error(std::string("cannot ") + what + " " + host_port + ": " + ec.message() + hint);
  };
  if (acceptor->open(ep.protocol(), ec)) fail("open a socket for");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor->bind(ep, ec)) fail("listen on");
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec)) fail("listen on");
  unsigned short bound = acceptor->local_endpoint().port();
  impl_->tcp_acceptors.push_back(std::move(acceptor));
  impl_->accept(impl_->tcp_acceptors.back().get());
  return bound;
}

void HttpServer::listen_unix(const std::string& path) {
  {  // A socket someone still answers on belongs to a running daemon: never take it from it.
    boost::system::error_code ec;
    asio::local::stream_protocol::socket probe(impl_->io);
    probe.connect(asio::local::stream_protocol::endpoint(path), ec);
    if (!ec) throw std::runtime_error("admin socket " + path + " is in use: another jiaoyingd is running on it");
  }
  ::unlink(path.c_str());
  auto acceptor = std::make_unique<asio::local::stream_protocol::acceptor>(
      impl_->io, asio::local::stream_protocol::endpoint(path));
  ::chmod(path.c_str(), 0660);
  impl_->unix_paths.push_back(path);
  impl_->unix_acceptors.push_back(std::move(acceptor));
  impl_->accept(impl_->unix_acceptors.back().get());
}

void HttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  for (auto& a : impl_->tcp_acceptors) a->close(ignored);
  for (auto& a : impl_->unix_acceptors) a->close(ignored);
  for (auto& p : impl_->unix_paths) ::unlink(p.c_str());
}

}  // namespace jiaoying
