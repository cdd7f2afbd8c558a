// The directory: the area tree (city → county → township → village, by division code), the
// people, and the posts they hold (area + role + seat A/B). Loaded once from YAML, then
// read-only: any thread may read a loaded Directory.
#pragma once

#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/load_error.h"
#include "rules/media.h"  // reachable_on: the one rule the engine and `directory check` apply
#include "rules/warning.h"

namespace jiaoying {

// A hash map keyed by strings that finds by string_view without making a string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

enum class Tier { city = 0, county = 1, township = 2, village = 3 };
std::optional<Tier> parse_tier(std::string_view name);
std::string_view tier_name(Tier tier);

// AB岗: every post has an A holder and a B deputy.
enum class Seat { A, B };
std::string_view seat_name(Seat seat);

struct Area {
  std::string code;    // 行政区划代码: 6 digits (city, county), 9 (township), 12 (village)
  std::string name;
  Tier tier = Tier::village;
  std::string parent;  // empty at the top of the loaded tree
  bool synthetic = false;  // generated for demos and tests, not an official code
  std::optional<GeoPoint> point;  // where it is, for warnings drawn as polygons or circles
  std::vector<std::string> neighbours = {};  // counties only: the counties next to it (symmetric)
  // Villages and townships: the rural emergency-broadcast endpoints (应急广播 resource ids,
  // EBRID) whose loudspeakers cover it.
  std::vector<std::string> broadcast = {};
};

struct Person {
  std::string id;           // the directory's own id, stable across reloads
  std::string name;
  std::string zzd_account;  // Zhezhengding account id; empty if none
  std::string mobile;       // empty if none
  int line = 0;             // where it was declared, for messages
  std::string landline = {};  // office or home line ("0579-00000001"); empty if none
};

struct Post {
  std::string area;  // division code
  std::string role;  // township_head, flood_chief, …
  Seat seat = Seat::A;
  std::string person;  // Person::id
  int line = 0;        // where it was declared, for messages
};

class Directory {
 public:
  // Validates the text of a directory file named `name` (daemon/rule_files reads the file); on
  // any error returns nullopt and fills `errors`. A name ending in .csv is read as one row per
  // person and post (docs/directory.md); anything else as YAML.
  static std::optional<Directory> load_string(const std::string& text, const std::string& name,
                                              LoadErrors& errors);

  // Indexes already-validated parts (the loaders' last step; also for tests and generators).
  static Directory assemble(std::vector<Area> areas, std::vector<Person> people,
                            std::vector<Post> posts);

  const Area* area(std::string_view code) const;
  const Person* person(std::string_view id) const;
  // Up the tree from `code` (nearest first), not including it.
  std::vector<const Area*> ancestors(std::string_view code) const;
  // The county `code` lies in (itself if a county), or nullptr above county level.
  const Area* county_of(std::string_view code) const;
  // Everything below `code`, depth first, not including it.
  std::vector<const Area*> descendants(std::string_view code) const;
  // The holder of a seat on a post, or nullptr.
  const Person* holder(std::string_view area, std::string_view role, Seat seat) const;
  // The posts a person holds (a scan of every post: for one person, not in a loop over people).
  std::vector<const Post*> posts_of(std::string_view person_id) const;
  // Every post, in the order loaded.
  const std::vector<Post>& posts() const { return posts_; }

  size_t area_count() const { return areas_.size(); }
  size_t person_count() const { return people_.size(); }
  size_t post_count() const { return posts_.size(); }
  const std::vector<Person>& people() const { return people_; }
  // Every area, in the order loaded.
  std::vector<const Area*> all_areas() const {
    std::vector<const Area*> out;
    for (const auto& a : areas_) out.push_back(&a);
    return out;
  }

 private:
  std::vector<Area> areas_;
  std::vector<Person> people_;
  std::vector<Post> posts_;
  // Hash indexes, looked up by string_view: a city's directory is 200,000 people and posts.
  StringMap<size_t> area_index_;
  StringMap<size_t> person_index_;
  StringMap<std::vector<size_t>> children_;
  StringMap<size_t> post_index_;  // "area|role|seat" → posts_
};

}  // namespace jiaoying
