#include "sim/feed_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

namespace jiaoying::sim {

std::optional<ServerResponse> FeedFiles::handle(const ServerRequest& request) {
  const std::string prefix = "/feed/";
  if (!request.path.starts_with(prefix) || request.method != "GET") return std::nullopt;
  std::string name = request.path.substr(prefix.size());
  ServerResponse response{404, "text/plain; charset=utf-8", "no such feed file\n"};
  std::string etag;
  // Only plain file names: nothing outside the folder can be asked for.
  if (!name.empty() && name.find('/') == std::string::npos && name.find("..") == std::string::npos) {
    std::ifstream in(std::filesystem::path(dir_) / name, std::ios::binary);
    if (in) {
      std::stringstream body;
      body << in.rdbuf();
      etag = fmt::format("\"{:x}\"", std::hash<std::string>{}(body.str()));
      bool fresh = request.header("if-none-match") == etag;
      response = {fresh ? 304 : 200,
                  name.ends_with(".atom") ? "application/atom+xml" : "application/cap+xml; charset=utf-8",
                  fresh ? "" : body.str()};
      response.headers.push_back({"ETag", etag});
    }
  }
  log_.write({{"provider", "feed"}, {"endpoint", request.path}, {"status", response.status}});
  return response;
}

}  // namespace jiaoying::sim
