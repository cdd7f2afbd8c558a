// The words jiaoying says of its own accord — notices to people (a B seat called, the post above
// told, an update, 解除, 催报, the duty room's digest, the duty desk's calls), the lines a duty
// room reads about each matter, and the pages behind a card's buttons — as templates beside the
// message templates (templates/notice.<kind>, duty.<matter>, page.<kind>.mustache; the same for
// every hazard family), so a duty office changes the wording without a rebuild. Each has the
// values the engine fills; this list is what `plan check` and a reload hold a templates folder to.
#pragma once

#include <span>
#include <string_view>

namespace jiaoying {

struct NoticeTemplate {
  std::string_view name;    // the template's name: "notice.deputy" (file notice.deputy.mustache)
  std::string_view values;  // the values it may use, space-separated
  std::string_view what;    // when it is said
};

std::span<const NoticeTemplate> notice_templates();
const NoticeTemplate* find_notice_template(std::string_view name);

}  // namespace jiaoying
