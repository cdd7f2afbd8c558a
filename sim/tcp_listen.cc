#include "sim/tcp_listen.h"

#include <stdexcept>

namespace jiaoying::sim {

unsigned short listen_on(boost::asio::ip::tcp::acceptor& acceptor, std::string_view flag, const std::string& address) {
  namespace asio = boost::asio;
  const std::string what = std::string(flag) + " " + address;
  const auto colon = address.rfind(':');
  const std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535)
    throw std::runtime_error(what + ": give host:port");
  boost::system::error_code ec;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address.substr(0, colon), ec),
                                         static_cast<unsigned short>(std::stoi(port)));
  if (ec) throw std::runtime_error(what + ": " + ec.message());
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint, ec);
  if (ec) throw std::runtime_error(what + ": " + ec.message());
  acceptor.listen();
  return acceptor.local_endpoint().port();
}

}  // namespace jiaoying::sim
