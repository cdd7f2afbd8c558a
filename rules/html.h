// Text from outside (a warning's sender, the directory, a duty officer's note) put into HTML: the
// report form jiaoyingd serves and the record the CLI writes. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace jiaoying {

// &, <, >, " and ' as entities: never markup.
std::string html_escape(std::string_view text);

}  // namespace jiaoying
