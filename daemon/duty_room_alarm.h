// An alarm about jiaoying itself for the duty rooms: one message for each duty_officer post (both
// seats) at the directory's highest tier that has any — the city's, else every county's. Sent
// outside the store (daemon.cc: on every medium with a provider up), so it goes when the store
// cannot take it (a storage fault) or a provider has stopped answering (a heartbeat).
#pragma once

#include <string>
#include <vector>

#include "channels/channel.h"
#include "rules/directory.h"

namespace jiaoying {

// Each message's idempotency key is `key`-<person id>; the sender adds the medium.
std::vector<OutboundMessage> duty_room_alarm(const Directory& directory, const std::string& key,
                                             const std::string& title, const std::string& text);

}  // namespace jiaoying
