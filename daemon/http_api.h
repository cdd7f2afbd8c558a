// jiaoyingd's HTTP surface, as plain request → response functions (no sockets: testable as
// they are). The public side (TCP) takes warnings and the ack links; the admin side (the Unix
// socket, for the CLI) adds the read views. Both run on the io thread with the engine.
#pragma once

#include <functional>

#include "channels/http_server.h"
#include "daemon/engine.h"

namespace jiaoying {

class HttpApi {
 public:
  // `changed` is called after anything that may have queued messages (the dispatcher's pump);
  // `reload` re-reads the directory, plans and templates and says what happened (ok, message).
  using Reload = std::function<std::pair<bool, std::string>()>;
  HttpApi(Engine& engine, Db& db, const Clock& clock, std::function<void()> changed, Reload reload = {});

  ServerResponse handle_public(const ServerRequest& request);
  ServerResponse handle_admin(const ServerRequest& request);

 private:
  ServerResponse post_warning(const ServerRequest& request, const std::string& actor);
  ServerResponse ack_link(const ServerRequest& request);

  Engine& engine_;
  Db& db_;
  const Clock& clock_;
  std::function<void()> changed_;
  Reload reload_;
};

}  // namespace jiaoying
