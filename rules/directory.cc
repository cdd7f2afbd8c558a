#include "rules/directory.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "rules/csv.h"
#include "rules/warning.h"
#include "rules/yaml_reader.h"

namespace jiaoying {

std::optional<Tier> parse_tier(std::string_view name) {
  if (name == "city") return Tier::city;
  if (name == "county") return Tier::county;
  if (name == "township") return Tier::township;
  if (name == "village") return Tier::village;
  return std::nullopt;
}

std::string_view tier_name(Tier tier) {
  switch (tier) {
    case Tier::city: return "city";
    case Tier::county: return "county";
    case Tier::township: return "township";
    case Tier::village: return "village";
  }
  return "unknown";
}

std::string_view seat_name(Seat seat) { return seat == Seat::A ? "A" : "B"; }

namespace {

size_t code_length(Tier tier) {
  switch (tier) {
    case Tier::city:
    case Tier::county: return 6;
    case Tier::township: return 9;
    case Tier::village: return 12;
  }
  return 0;
}

std::string post_key(std::string_view area, std::string_view role, Seat seat) {
  return std::string(area) + "|" + std::string(role) + "|" + std::string(seat_name(seat));
}

bool is_role_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Validates areas, people and posts as either loader reads them, and assembles the Directory.
// Every fault is an error naming the file and line; nothing partial is ever returned.
class DirectoryBuilder {
 public:
  DirectoryBuilder(std::string file, LoadErrors& errors)
      : file_(std::move(file)), errors_(errors), before_(errors.size()) {}

  void error(int line, std::string message) { errors_.push_back({file_, line, std::move(message)}); }

  // Room for about `rows` people and posts (a city's file: 200,000), so nothing rehashes on the way.
  void reserve(size_t rows) {
    people_.reserve(rows);
    posts_.reserve(rows);
    person_index_.reserve(rows);
    account_lines_.reserve(rows);
    post_lines_.reserve(rows);
  }

  void add_area(int line, const std::string& code, const std::string& name, const std::string& tier,
                const std::string& parent, bool synthetic, const std::string& lat = "", const std::string& lon = "",
                const std::vector<std::string>& broadcast = {}) {
    auto t = parse_tier(tier);
    if (!t) return error(line, "tier '" + tier + "' must be one of city, county, township, village");
    if (!is_division_code(code) || code.size() != code_length(*t))
      return error(line, "code '" + code + "' of a " + std::string(tier_name(*t)) + " must be " +
                             std::to_string(code_length(*t)) + " digits");
    if (name.empty()) return error(line, "area " + code + " has no name");
    if (auto seen_at = area_lines_.find(code); seen_at != area_lines_.end()) {
      auto index = area_index_.find(code);
      if (index == area_index_.end()) return;  // its first definition was refused, and said so
      Area& seen = areas_[index->second];
      if (seen.name != name || seen.tier != *t || seen.parent != parent ||
          (!broadcast.empty() && !seen.broadcast.empty() && seen.broadcast != broadcast))
        error(line, "area " + code + " differs from its definition on line " + std::to_string(seen_at->second));
      else if (seen.broadcast.empty() && !broadcast.empty())
        add_broadcast(line, seen, broadcast);
      return;
    }
    area_lines_.emplace(code, line);
    std::optional<GeoPoint> point;
    if (!lat.empty() || !lon.empty()) {
      char* end_lat = nullptr;
      char* end_lon = nullptr;
      double la = std::strtod(lat.c_str(), &end_lat), lo = std::strtod(lon.c_str(), &end_lon);
      if (lat.empty() || lon.empty() || *end_lat || *end_lon || !(la >= -90 && la <= 90) || !(lo >= -180 && lo <= 180))
        return error(line, "area " + code + ": lat and lon must both be degrees (lat -90..90, lon -180..180)");
      point = GeoPoint{la, lo};
    }
    area_index_[code] = areas_.size();
    areas_.push_back(Area{code, name, *t, parent, synthetic, point});
    if (!broadcast.empty()) add_broadcast(line, areas_.back(), broadcast);
  }

  // Broadcast endpoints: resource ids of letters, digits, '-' and '_', each covering one area.
  void add_broadcast(int line, Area& area, const std::vector<std::string>& endpoints) {
    if (area.tier != Tier::village && area.tier != Tier::township)
      return error(line, "area " + area.code + ": only villages and townships have broadcast endpoints");
    for (const std::string& e : endpoints) {
      const bool shaped = !e.empty() && e.size() <= 64 && std::all_of(e.begin(), e.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      if (!shaped) {
        error(line, "area " + area.code + ": broadcast endpoint '" + e +
                        "' must be 1 to 64 letters, digits, '-' or '_' (the platform's resource id)");
        continue;
      }
      auto [it, fresh] = endpoint_areas_.emplace(e, area.code);
      if (!fresh && it->second != area.code) {
        error(line, "broadcast endpoint " + e + " is already given to area " + it->second);
        continue;
      }
      if (std::find(area.broadcast.begin(), area.broadcast.end(), e) == area.broadcast.end())
        area.broadcast.push_back(e);
    }
  }

  void add_person(int line, const std::string& id, const std::string& name, const std::string& zzd,
                  const std::string& mobile, const std::string& landline = "") {
    if (id.empty() || name.empty()) return error(line, "a person needs an id and a name");
    auto [it, inserted] = person_index_.emplace(id, people_.size());
    if (!inserted) {
      const Person& seen = people_[it->second];
      if (seen.name != name || seen.zzd_account != zzd || seen.mobile != mobile || seen.landline != landline)
        error(line, "person '" + id + "' differs from the one on line " + std::to_string(seen.line));
      return;
    }
    if (!zzd.empty()) {
      auto [acc, fresh] = account_lines_.emplace(zzd, line);
      if (!fresh) error(line, "zzd account " + zzd + " is already used on line " + std::to_string(acc->second));
    }
    if (!mobile.empty() && (mobile.size() != 11 || mobile.find_first_not_of("0123456789") != std::string::npos))
      error(line, "mobile '" + mobile + "' must be 11 digits");
    if (!landline.empty()) {
      const size_t digits = static_cast<size_t>(std::count_if(landline.begin(), landline.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      }));
      if (landline.find_first_not_of("0123456789-") != std::string::npos || digits < 7 || digits > 16 ||
          landline.front() == '-' || landline.back() == '-')
        error(line, "landline '" + landline + "' must be 7 to 16 digits, optionally with '-' (0579-00000001)");
    }
    if (zzd.empty() && mobile.empty() && landline.empty())
      error(line, "person '" + id + "' has no contact (zzd, mobile or landline)");
    people_.push_back(Person{id, name, zzd, mobile, line, landline});
  }

  void add_post(int line, const std::string& area, const std::string& role, const std::string& seat,
                const std::string& person) {
    if (!is_role_name(role)) return error(line, "role '" + role + "' must be lower_case letters, digits and '_'");
    Seat s = Seat::A;
    if (seat == "B") s = Seat::B;
    else if (!seat.empty() && seat != "A") return error(line, "seat '" + seat + "' must be A or B");
    std::string key = post_key(area, role, s);
    auto [it, inserted] = post_lines_.emplace(key, line);
    if (!inserted)
      return error(line, "post " + area + " " + role + " seat " + std::string(seat_name(s)) +
                             " is already held (line " + std::to_string(it->second) + ")");
    posts_.push_back(Post{area, role, s, person, line});
  }

  void add_neighbours(int line, const std::string& code, const std::vector<std::string>& neighbours) {
    for (const auto& n : neighbours) neighbour_links_.push_back({line, code, n});
  }

  std::optional<Directory> finish() {
    // Neighbours are counties and the relation goes both ways.
    for (const auto& [line, code, other] : neighbour_links_) {
      auto a = area_index_.find(code), b = area_index_.find(other);
      if (a == area_index_.end()) continue;  // the area itself was refused already
      if (areas_[a->second].tier != Tier::county) {
        error(line, "area " + code + ": only counties have neighbours");
        continue;
      }
      if (b == area_index_.end() || areas_[b->second].tier != Tier::county || other == code) {
        error(line, "area " + code + ": neighbour " + other + " is not another county of the directory");
        continue;
      }
      for (auto [from, to] : {std::pair{a->second, other}, std::pair{b->second, code}}) {
        auto& list = areas_[from].neighbours;
        if (std::find(list.begin(), list.end(), to) == list.end()) list.push_back(to);
      }
    }
    // Parents must exist (unless the area is the top of the tree) and sit a tier or more above.
    for (const Area& a : areas_) {
      if (a.parent.empty()) continue;
      auto it = area_index_.find(a.parent);
      if (it == area_index_.end()) {
        if (a.tier != Tier::city && a.tier != Tier::county)
          error(area_lines_[a.code], "area " + a.code + ": parent " + a.parent + " is not in the directory");
        continue;
      }
      const Area& parent = areas_[it->second];
      if (static_cast<int>(parent.tier) >= static_cast<int>(a.tier))
        error(area_lines_[a.code], "area " + a.code + " (" + std::string(tier_name(a.tier)) + ") cannot sit under " +
                                       a.parent + " (" + std::string(tier_name(parent.tier)) + ")");
    }
    for (const Post& p : posts_)
      if (!area_index_.count(p.area)) error(p.line, "area " + p.area + " is not in the directory");
    if (errors_.size() != before_) return std::nullopt;
    return Directory::assemble(std::move(areas_), std::move(people_), std::move(posts_));
  }

 private:
  std::string file_;
  LoadErrors& errors_;
  size_t before_;
  std::vector<Area> areas_;
  std::vector<Person> people_;
  std::vector<Post> posts_;
  StringMap<size_t> area_index_, person_index_;
  StringMap<int> area_lines_, account_lines_, post_lines_;
  struct NeighbourLink {
    int line;
    std::string code, other;
  };
  std::vector<NeighbourLink> neighbour_links_;
  StringMap<std::string> endpoint_areas_;  // broadcast endpoint → area code
};

std::optional<Directory> build(YamlReader& yr, const YAML::Node& root, LoadErrors& errors) {
  DirectoryBuilder b(yr.file(), errors);
  yr.only_keys(root, {"areas", "people"}, "the directory");
  YAML::Node areas_node = root["areas"];
  if (!areas_node.IsDefined() || !areas_node.IsSequence()) {
    yr.error(root, "'areas' must be a list of areas");
  } else {
    for (const auto& a : areas_node) {
      if (!yr.only_keys(a, {"code", "name", "tier", "parent", "synthetic", "lat", "lon", "neighbours", "broadcast"},
                        "an area"))
        continue;
      auto code = yr.scalar(a, "code");
      auto name = yr.scalar(a, "name");
      auto tier = yr.scalar(a, "tier");
      auto parent = yr.scalar(a, "parent", false);
      auto synthetic = yr.scalar(a, "synthetic", false);
      auto lat = yr.scalar(a, "lat", false);
      auto lon = yr.scalar(a, "lon", false);
      auto broadcast = yr.scalars(a, "broadcast", false);
      if (!code || !name || !tier) continue;
      b.add_area(YamlReader::line_of(a), *code, *name, *tier, parent.value_or(""),
                 synthetic && (*synthetic == "true" || *synthetic == "yes"), lat.value_or(""), lon.value_or(""),
                 broadcast.value_or(std::vector<std::string>{}));
      if (auto neighbours = yr.scalars(a, "neighbours", false); neighbours && !neighbours->empty())
        b.add_neighbours(YamlReader::line_of(a), *code, *neighbours);
    }
  }
  YAML::Node people_node = root["people"];
  if (!people_node.IsDefined() || !people_node.IsSequence()) {
    yr.error(root, "'people' must be a list of people");
  } else {
    for (const auto& p : people_node) {
      if (!yr.only_keys(p, {"id", "name", "zzd", "mobile", "landline", "posts"}, "a person")) continue;
      auto id = yr.scalar(p, "id");
      auto name = yr.scalar(p, "name");
      auto zzd = yr.scalar(p, "zzd", false);
      auto mobile = yr.scalar(p, "mobile", false);
      auto landline = yr.scalar(p, "landline", false);
      if (!id || !name) continue;
      b.add_person(YamlReader::line_of(p), *id, *name, zzd.value_or(""), mobile.value_or(""), landline.value_or(""));
      YAML::Node posts_node = p["posts"];
      if (!posts_node.IsDefined()) continue;
      if (!posts_node.IsSequence()) {
        yr.error(posts_node, "'posts' must be a list");
        continue;
      }
      for (const auto& q : posts_node) {
        if (!yr.only_keys(q, {"area", "role", "seat"}, "a post")) continue;
        auto area = yr.scalar(q, "area");
        auto role = yr.scalar(q, "role");
        auto seat = yr.scalar(q, "seat", false);
        if (area && role) b.add_post(YamlReader::line_of(q), *area, *role, seat.value_or("A"), *id);
      }
    }
  }
  return b.finish();  // runs the tree checks too, so one pass reports every fault
}

// One row per person and post, as an address-book export or a spreadsheet has it. The first
// row names the columns, in any order: area_code, area_name, tier, parent, role, seat,
// person_id, name, zzd, mobile, and optionally lat, lon, landline, broadcast (endpoints split
// by ';'). A row with the person columns empty only defines its area (e.g. the city at the top).
std::optional<Directory> build_csv(const std::string& file, const std::string& text, LoadErrors& errors) {
  DirectoryBuilder b(file, errors);
  b.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::istringstream in(text);
  static const std::vector<std::string> kRequired = {"area_code", "area_name", "tier", "parent", "role",
                                                     "seat",      "person_id", "name", "zzd",   "mobile"};
  static const std::vector<std::string> kOptional = {"lat", "lon", "landline", "broadcast"};
  std::map<std::string, size_t> column;  // name → index, from the header
  size_t width = 0;
  bool header_seen = false;
  std::string line;
  int number = 0;
  // Each column's index, looked up once from the header (a city's file is 200,000 rows).
  static const std::string kNone;
  std::array<std::optional<size_t>, 14> index{};
  const std::array<const char*, 14> kColumns = {"area_code", "area_name", "tier", "parent", "role", "seat", "person_id",
                                               "name", "zzd", "mobile", "lat", "lon", "landline", "broadcast"};
  auto get = [&](const std::vector<std::string>& cells, size_t which) -> const std::string& {
    return index[which] ? cells[*index[which]] : kNone;
  };
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a spreadsheet's BOM
    if (line.empty() || line == "\r" || line.front() == '#') continue;
    std::vector<std::string> cells;
    const bool closed = split_csv_line(line, cells);
    if (!closed) {
      b.error(number, "a quoted cell is not closed");
      continue;
    }
    if (!header_seen) {  // the header
      header_seen = true;
      std::string problems;
      for (size_t i = 0; i < cells.size(); ++i) {
        const bool known = std::find(kRequired.begin(), kRequired.end(), cells[i]) != kRequired.end() ||
                           std::find(kOptional.begin(), kOptional.end(), cells[i]) != kOptional.end();
        if (!known) problems += (problems.empty() ? "" : "; ") + ("unknown column '" + cells[i] + "'");
        else if (!column.emplace(cells[i], i).second) problems += (problems.empty() ? "" : "; ") + ("column '" + cells[i] + "' twice");
      }
      for (const auto& r : kRequired)
        if (!column.count(r)) problems += (problems.empty() ? "" : "; ") + ("no column '" + r + "'");
      if (column.count("lat") != column.count("lon")) problems += (problems.empty() ? "" : "; ") + std::string("lat and lon come together");
      if (!problems.empty()) {
        b.error(number, "the header row must name the columns area_code,area_name,tier,parent,role,seat,person_id,"
                        "name,zzd,mobile (optional: lat,lon,landline,broadcast): " + problems);
        break;
      }
      width = cells.size();
      for (size_t k = 0; k < kColumns.size(); ++k)
        if (auto it = column.find(kColumns[k]); it != column.end()) index[k] = it->second;
      continue;
    }
    if (cells.size() != width) {
      b.error(number, "expected " + std::to_string(width) + " cells, as the header has, got " + std::to_string(cells.size()));
      continue;
    }
    std::vector<std::string> endpoints;
    if (std::string list = get(cells, 13); !list.empty()) {
      size_t start = 0;
      for (;;) {
        size_t semi = list.find(';', start);
        std::string e = list.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
        while (!e.empty() && e.front() == ' ') e.erase(0, 1);
        while (!e.empty() && e.back() == ' ') e.pop_back();
        endpoints.push_back(e);
        if (semi == std::string::npos) break;
        start = semi + 1;
      }
    }
    b.add_area(number, get(cells, 0), get(cells, 1), get(cells, 2), get(cells, 3), false, get(cells, 10), get(cells, 11),
               endpoints);
    if (get(cells, 6).empty() && get(cells, 4).empty()) continue;
    if (get(cells, 6).empty() || get(cells, 4).empty()) {
      b.error(number, "a row with a person needs role and person_id");
      continue;
    }
    b.add_person(number, get(cells, 6), get(cells, 7), get(cells, 8), get(cells, 9), get(cells, 12));
    const std::string& seat = get(cells, 5);
    b.add_post(number, get(cells, 0), get(cells, 4), seat.empty() ? "A" : seat, get(cells, 6));
  }
  if (number == 0) b.error(0, "is empty");
  else if (!header_seen) b.error(number, "has no header row naming the columns");
  return b.finish();  // runs the tree checks too, so one pass reports every fault
}

// yaml-cpp throws on some shapes the checks above do not foresee; a file must never take the
// daemon down, so anything it throws becomes an error at the file.
std::optional<Directory> build_guarded(YamlReader& yr, const YAML::Node& root, LoadErrors& errors) {
  try {
    return build(yr, root, errors);
  } catch (const YAML::Exception& e) {
    errors.push_back(yaml_exception_error(yr.file(), e));
    return std::nullopt;
  }
}

}  // namespace

std::optional<Directory> Directory::load_string(const std::string& text, const std::string& name,
                                                LoadErrors& errors) {
  if (name.ends_with(".csv")) return build_csv(name, text, errors);
  YamlReader yr(name, errors);
  auto root = yr.load_string(text);
  if (!root) return std::nullopt;
  return build_guarded(yr, *root, errors);
}

Directory Directory::assemble(std::vector<Area> areas, std::vector<Person> people,
                              std::vector<Post> posts) {
  Directory d;
  d.areas_ = std::move(areas);
  d.people_ = std::move(people);
  d.posts_ = std::move(posts);
  for (size_t i = 0; i < d.areas_.size(); ++i) {
    d.area_index_[d.areas_[i].code] = i;
    if (!d.areas_[i].parent.empty()) d.children_[d.areas_[i].parent].push_back(i);
  }
  for (size_t i = 0; i < d.people_.size(); ++i) d.person_index_[d.people_[i].id] = i;
  for (size_t i = 0; i < d.posts_.size(); ++i)
    d.post_index_[post_key(d.posts_[i].area, d.posts_[i].role, d.posts_[i].seat)] = i;
  return d;
}

const Area* Directory::area(std::string_view code) const {
  auto it = area_index_.find(code);
  return it == area_index_.end() ? nullptr : &areas_[it->second];
}

const Person* Directory::person(std::string_view id) const {
  auto it = person_index_.find(id);
  return it == person_index_.end() ? nullptr : &people_[it->second];
}

std::vector<const Area*> Directory::ancestors(std::string_view code) const {
  std::vector<const Area*> out;
  const Area* a = area(code);
  while (a && !a->parent.empty()) {
    a = area(a->parent);
    if (a) out.push_back(a);
    if (out.size() > 8) break;  // a tree is at most four tiers deep; never loop on bad data
  }
  return out;
}

const Area* Directory::county_of(std::string_view code) const {
  const Area* a = area(code);
  if (a && a->tier == Tier::county) return a;
  for (const Area* up : ancestors(code))
    if (up->tier == Tier::county) return up;
  return nullptr;
}

std::vector<const Area*> Directory::descendants(std::string_view code) const {
  std::vector<const Area*> out;
  std::vector<std::string_view> stack{code};
  while (!stack.empty()) {
    auto it = children_.find(stack.back());
    stack.pop_back();
    if (it == children_.end()) continue;
    for (size_t i : it->second) {
      out.push_back(&areas_[i]);
      stack.push_back(areas_[i].code);
    }
  }
  return out;
}

const Person* Directory::holder(std::string_view area, std::string_view role, Seat seat) const {
  auto it = post_index_.find(post_key(area, role, seat));
  return it == post_index_.end() ? nullptr : person(posts_[it->second].person);
}

std::vector<const Post*> Directory::posts_of(std::string_view person_id) const {
  std::vector<const Post*> out;
  for (const auto& p : posts_)
    if (p.person == person_id) out.push_back(&p);
  return out;
}

}  // namespace jiaoying
