// The CLI's side of the admin API: HTTP over the daemon's Unix socket (libcurl), JSON in
// and out. Errors come back as text for the duty officer, never as exceptions.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace jiaoying {

class AdminClient {
 public:
  explicit AdminClient(std::string socket_path) : socket_(std::move(socket_path)) {}

  // GET path; nullopt with `error` set when the daemon can't be reached or answers non-2xx.
  std::optional<boost::json::value> get(const std::string& path, std::string& error);
  std::optional<boost::json::value> post(const std::string& path, const std::string& body, std::string& error,
                                         const std::string& content_type = "application/json");
  const std::string& socket() const { return socket_; }

 private:
  std::optional<boost::json::value> call(const std::string& method, const std::string& path,
                                         const std::string& body, std::string& error,
                                         const std::string& content_type = "application/json");
  std::string socket_;
};

}  // namespace jiaoying
