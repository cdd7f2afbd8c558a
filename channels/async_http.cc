#include "channels/async_http.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <stdexcept>
#include <unordered_map>

#include "channels/curl_transfer.h"

namespace jiaoying {

namespace asio = boost::asio;

// curl tells us which sockets it wants watched (on_socket) and when it next needs a call
// (on_timer); we keep those sockets in our own epoll set and let Asio wait on the epoll fd itself,
// so Asio never owns (or closes) a socket of curl's. When the set is readable, epoll_wait(0) says
// which sockets are ready and curl_multi_socket_action runs only their transfers.
struct CurlMultiClient::Impl {
  struct Transfer {
    CURL* easy = nullptr;
    HttpRequest request;
    HttpResponse response;
    curl::Headers headers;
    Done done;
  };

  asio::io_context& io;
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  asio::posix::stream_descriptor epoll_watch;
  asio::steady_timer timer;
  bool timer_armed = false;
  std::chrono::steady_clock::time_point timer_due{};
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  std::vector<CURL*> spare;  // finished easy handles, reset and reused
  bool stopping = false;

  Impl(asio::io_context& io_, Options options) : io(io_), epoll_watch(io_), timer(io_) {
    curl::init_once();
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) throw std::runtime_error("epoll_create1 failed");
    multi = curl_multi_init();
    if (!multi) {
      ::close(epoll_fd);
      throw std::runtime_error("curl_multi_init failed");
    }
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, options.connection_cache);
    if (options.max_host_connections > 0)
      curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
    epoll_watch.assign(epoll_fd);
    wait_for_sockets();
  }

  ~Impl() {
    stopping = true;
    timer.cancel();
    boost::system::error_code ignored;
    epoll_watch.cancel(ignored);
    epoll_watch.release();  // ours to close, below, after curl let go of its sockets
    for (auto& [easy, t] : transfers) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    for (CURL* easy : spare) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi);
    ::close(epoll_fd);
  }

  static int on_socket(CURL*, curl_socket_t s, int what, void* userp, void*) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, s, nullptr);  // may already be closed: fine
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = s;
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    if (::epoll_ctl(self->epoll_fd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT)
      ::epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, s, &ev);
    return 0;
  }

  // Called from inside curl, often (every transfer added or moved on): only (re)arm the timer
  // here, never call back into curl. Re-arming costs a syscall, so a wait already due sooner is
  // kept — curl takes an early call in its stride and says again how long it needs.
  static int on_timer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    if (timeout_ms < 0 || self->stopping) return 0;  // "no timeout": a pending early wake is harmless
    const auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    if (self->timer_armed && self->timer_due <= due) return 0;
    self->timer_armed = true;
    self->timer_due = due;
    self->timer.expires_at(due);
    self->timer.async_wait([self](boost::system::error_code ec) {
      if (ec || self->stopping) return;
      self->timer_armed = false;
      int running = 0;
      curl_multi_socket_action(self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
      self->collect();
    });
    return 0;
  }

  void wait_for_sockets() {
    epoll_watch.async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
      if (ec || stopping) return;
      epoll_event events[128];
      int n = ::epoll_wait(epoll_fd, events, 128, 0);
      for (int i = 0; i < n; ++i) {
        int flags = 0;
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (events[i].events & EPOLLERR) flags |= CURL_CSELECT_ERR;
        int running = 0;
        curl_multi_socket_action(multi, events[i].data.fd, flags, &running);
      }
      collect();
      wait_for_sockets();
    });
  }

  // Hands every finished transfer its answer.
  void collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode rc = msg->data.result;
      auto it = transfers.find(easy);
      curl_multi_remove_handle(multi, easy);
      if (it == transfers.end()) {
        curl_easy_cleanup(easy);
        continue;
      }
      std::unique_ptr<Transfer> t = std::move(it->second);
      transfers.erase(it);
      curl::finish(easy, rc, t->response);
      spare.push_back(easy);  // reused as it is: curl::prepare sets everything a transfer needs
      // After curl is done with the handle: `done` may start the next request at once.
      t->done(std::move(t->response));
    }
  }

  void start(HttpRequest request, Done done) {
    CURL* easy = nullptr;
    if (!spare.empty()) {
      easy = spare.back();
      spare.pop_back();
    } else {
      easy = curl_easy_init();
    }
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    if (!easy) {
      t->response.error = "curl_easy_init failed";
      asio::post(io, [t = std::move(t)]() mutable { t->done(std::move(t->response)); });
      return;
    }
    t->easy = easy;
    t->headers = curl::prepare(easy, t->request, t->response);
    transfers.emplace(easy, std::move(t));
    if (CURLMcode rc = curl_multi_add_handle(multi, easy); rc != CURLM_OK) {
      auto node = transfers.extract(easy);
      node.mapped()->response.error = curl_multi_strerror(rc);
      curl_easy_reset(easy);
      spare.push_back(easy);
      asio::post(io, [t = std::move(node.mapped())]() mutable { t->done(std::move(t->response)); });
    }
  }
};

CurlMultiClient::CurlMultiClient(asio::io_context& io, Options options)
    : impl_(std::make_unique<Impl>(io, options)) {}

CurlMultiClient::~CurlMultiClient() = default;

void CurlMultiClient::perform(HttpRequest request, Done done) { impl_->start(std::move(request), std::move(done)); }

size_t CurlMultiClient::in_flight() const { return impl_->transfers.size(); }

}  // namespace jiaoying
