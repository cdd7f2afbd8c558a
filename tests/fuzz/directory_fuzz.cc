// libFuzzer target for the directory loaders (CSV by header, YAML): an address-book export is
// hostile input like any other. No input may crash either loader; a refusal must name a line
// and say why; an accepted directory must be internally whole (every post's area and holder
// exist). The first byte picks the loader. Built only by tests/fuzz/run.sh.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "rules/directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace jiaoying;
  if (size == 0) return 0;
  const bool csv = data[0] & 1;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  LoadErrors errors;
  auto dir = Directory::load_string(text, csv ? "fuzz.csv" : "fuzz.yaml", errors);
  if (!dir) {
    if (errors.empty()) std::abort();
    for (const auto& e : errors)
      if (e.message.empty()) std::abort();
    return 0;
  }
  if (!errors.empty()) std::abort();
  for (const Person& p : dir->people())
    for (const Post* post : dir->posts_of(p.id))
      if (!dir->area(post->area) || dir->holder(post->area, post->role, post->seat) == nullptr) std::abort();
  for (const Area* a : dir->all_areas())
    if (!a->parent.empty() && dir->area(a->parent) == nullptr && a->tier != Tier::city && a->tier != Tier::county)
      std::abort();
  return 0;
}
