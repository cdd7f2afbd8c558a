// One provider as the admin API shows it (the warnings list, `jiaoying status`): its state, what
// it carries, what waits on its medium, and its last heartbeat.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>

#include "daemon/provider_board.h"

namespace jiaoying {

boost::json::object provider_json(const ProviderStatus& p, int64_t waiting);

}  // namespace jiaoying
