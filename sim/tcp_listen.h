// Opening a simulated provider's own TCP port (the CMPP gateway, the PBX's manager interface).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

namespace jiaoying::sim {

// Binds and listens on host:port (port 0 picks one); the port. Throws naming `flag` and the
// address when it cannot.
unsigned short listen_on(boost::asio::ip::tcp::acceptor& acceptor, std::string_view flag, const std::string& address);

}  // namespace jiaoying::sim
