// JSON text as people and scripts read it: Boost.JSON writes 28.98 as 2.898E1; this writes
// 28.98 (the shortest decimal that reads back as the same double) and is otherwise the same.
// Every JSON the project writes for people or other programs goes through it. Pure; any thread.
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace jiaoying {

std::string json_text(const boost::json::value& value);

}  // namespace jiaoying
