#include "rules/directory.h"

#include <set>

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

std::optional<Directory> build(YamlReader& yr, const YAML::Node& root, LoadErrors& errors);

}  // namespace

std::optional<Directory> Directory::load_file(const std::string& path, LoadErrors& errors) {
  YamlReader yr(path, errors);
  auto root = yr.load();
  if (!root) return std::nullopt;
  return build(yr, *root, errors);
}

std::optional<Directory> Directory::load_string(const std::string& text, const std::string& name,
                                                LoadErrors& errors) {
  YamlReader yr(name, errors);
  auto root = yr.load_string(text);
  if (!root) return std::nullopt;
  return build(yr, *root, errors);
}

namespace {

std::optional<Directory> build(YamlReader& yr, const YAML::Node& root, LoadErrors& errors) {
  size_t before = errors.size();
  std::vector<Area> areas;
  std::vector<Person> people;
  std::vector<Post> posts;
  std::map<std::string, int> area_lines;

  yr.only_keys(root, {"areas", "people"}, "the directory");
  YAML::Node areas_node = root["areas"];
  if (!areas_node.IsSequence()) {
    yr.error(root, "'areas' must be a list of areas");
  } else {
    for (const auto& a : areas_node) {
      if (!yr.only_keys(a, {"code", "name", "tier", "parent", "synthetic"}, "an area")) continue;
      Area area;
      auto code = yr.scalar(a, "code");
      auto name = yr.scalar(a, "name");
      auto tier = yr.scalar(a, "tier");
      auto parent = yr.scalar(a, "parent", false);
      auto synthetic = yr.scalar(a, "synthetic", false);
      if (!code || !name || !tier) continue;
      auto t = parse_tier(*tier);
      if (!t) {
        yr.error(a["tier"], "tier '" + *tier + "' must be one of city, county, township, village");
        continue;
      }
      if (!is_division_code(*code) || code->size() != code_length(*t)) {
        yr.error(a["code"], "code '" + *code + "' of a " + std::string(tier_name(*t)) + " must be " +
                                std::to_string(code_length(*t)) + " digits");
        continue;
      }
      if (area_lines.count(*code)) {
        yr.error(a["code"], "area " + *code + " is already defined on line " +
                                std::to_string(area_lines[*code]));
        continue;
      }
      area_lines[*code] = YamlReader::line_of(a);
      area.code = *code;
      area.name = *name;
      area.tier = *t;
      area.parent = parent.value_or("");
      area.synthetic = synthetic && (*synthetic == "true" || *synthetic == "yes");
      areas.push_back(std::move(area));
    }
  }
  // Parents must exist (unless the area is the top of the tree) and sit one tier above or more.
  std::map<std::string, const Area*> by_code;
  for (const auto& a : areas) by_code[a.code] = &a;
  for (const auto& a : areas) {
    if (a.parent.empty()) continue;
    auto it = by_code.find(a.parent);
    if (it == by_code.end()) {
      if (a.tier != Tier::city && a.tier != Tier::county)
        yr.error(area_lines[a.code], "area " + a.code + ": parent " + a.parent + " is not in the directory");
      continue;
    }
    if (static_cast<int>(it->second->tier) >= static_cast<int>(a.tier))
      yr.error(area_lines[a.code], "area " + a.code + " (" + std::string(tier_name(a.tier)) +
                                       ") cannot sit under " + a.parent + " (" +
                                       std::string(tier_name(it->second->tier)) + ")");
  }

  std::map<std::string, int> person_lines, account_lines, post_lines;
  YAML::Node people_node = root["people"];
  if (!people_node.IsSequence()) {
    yr.error(root, "'people' must be a list of people");
  } else {
    for (const auto& p : people_node) {
      if (!yr.only_keys(p, {"id", "name", "zzd", "mobile", "posts"}, "a person")) continue;
      auto id = yr.scalar(p, "id");
      auto name = yr.scalar(p, "name");
      auto zzd = yr.scalar(p, "zzd", false);
      auto mobile = yr.scalar(p, "mobile", false);
      if (!id || !name) continue;
      int line = YamlReader::line_of(p);
      if (person_lines.count(*id)) {
        yr.error(p["id"], "person '" + *id + "' is already defined on line " + std::to_string(person_lines[*id]));
        continue;
      }
      person_lines[*id] = line;
      if (zzd) {
        if (account_lines.count(*zzd))
          yr.error(p["zzd"], "zzd account " + *zzd + " is already used on line " +
                                 std::to_string(account_lines[*zzd]));
        account_lines[*zzd] = line;
      }
      if (mobile && (mobile->size() != 11 || mobile->find_first_not_of("0123456789") != std::string::npos))
        yr.error(p["mobile"], "mobile '" + *mobile + "' must be 11 digits");
      if (!zzd && !mobile) yr.error(p, "person '" + *id + "' has no contact (zzd or mobile)");
      people.push_back(Person{*id, *name, zzd.value_or(""), mobile.value_or(""), line});

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
        if (!area || !role) continue;
        if (!by_code.count(*area)) {
          yr.error(q["area"], "area " + *area + " is not in the directory");
          continue;
        }
        if (!is_role_name(*role)) {
          yr.error(q["role"], "role '" + *role + "' must be lower_case letters, digits and '_'");
          continue;
        }
        Seat s = Seat::A;
        if (seat && *seat == "B") {
          s = Seat::B;
        } else if (seat && *seat != "A") {
          yr.error(q["seat"], "seat '" + *seat + "' must be A or B");
          continue;
        }
        std::string key = post_key(*area, *role, s);
        int qline = YamlReader::line_of(q);
        if (post_lines.count(key)) {
          yr.error(q, "post " + *area + " " + *role + " seat " + std::string(seat_name(s)) +
                          " is already held (line " + std::to_string(post_lines[key]) + ")");
          continue;
        }
        post_lines[key] = qline;
        posts.push_back(Post{*area, *role, s, *id, qline});
      }
    }
  }
  if (errors.size() != before) return std::nullopt;
  return Directory::assemble(std::move(areas), std::move(people), std::move(posts));
}

}  // namespace

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
