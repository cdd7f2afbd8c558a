#include "rules/recipients.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_set>

#include "rules/geometry.h"

namespace jiaoying {

namespace {

// The digits that name a division: 12-digit forms write the levels above with zeros
// (330782000000 is the county 330782), a city ends in 00 and a province in 0000.
std::string_view significant(std::string_view code) {
  size_t keep = code.size();
  while (keep > 6 && code.substr(keep - 3, 3) == "000") keep -= 3;
  if (keep == 6) keep = code.substr(2, 4) == "0000" ? 2 : code.substr(4, 2) == "00" ? 4 : 6;
  return code.substr(0, keep);
}

}  // namespace

bool division_contains(std::string_view outer, std::string_view inner) {
  if (!is_division_code(outer) || !is_division_code(inner)) return false;
  return significant(inner).starts_with(significant(outer));
}

AreaSplit split_areas(const std::vector<std::string>& areas, const Directory& directory) {
  AreaSplit out;
  std::set<std::string_view> taken;
  for (const std::string& code : areas) {
    if (directory.area(code)) {
      if (taken.insert(directory.area(code)->code).second) out.ours.push_back(code);
      continue;
    }
    // The directory's highest areas inside it (its children cover the rest).
    bool any = false;
    for (const Area* a : directory.all_areas()) {
      if (!division_contains(code, a->code)) continue;
      const Area* parent = a->parent.empty() ? nullptr : directory.area(a->parent);
      if (parent && division_contains(code, parent->code)) continue;
      any = true;
      if (taken.insert(a->code).second) out.ours.push_back(a->code);
    }
    if (any) continue;
    const Area* within = nullptr;
    for (const Area* a : directory.all_areas())
      if (division_contains(a->code, code) && (!within || significant(a->code).size() > significant(within->code).size()))
        within = a;
    // A county's directory lists its county whole; the city above it is there for the chain, so
    // an unknown code under the city is another county's, under our county a gap in ours.
    if (within && static_cast<int>(within->tier) >= static_cast<int>(Tier::county)) out.missing.push_back({code, within});
    else out.not_ours.push_back(code);
  }
  return out;
}

DutyOfficer duty_officer_for(const Directory& directory, std::string_view area_code, Tier room) {
  std::vector<const Area*> chain;
  if (const Area* area = directory.area(area_code)) chain.push_back(area);
  for (const Area* up : directory.ancestors(area_code)) chain.push_back(up);  // nearest first
  for (const Area* area : chain) {
    if (static_cast<int>(area->tier) > static_cast<int>(room)) continue;  // below the duty room's tier
    for (Seat seat : {Seat::A, Seat::B})
      if (const Person* p = directory.holder(area->code, "duty_officer", seat)) return {p, area, seat};
  }
  return {};
}

std::vector<const Area*> areas_in_scope(const Warning& warning, const Directory& directory) {
  std::vector<const Area*> out;
  std::set<std::string_view> seen;
  auto add = [&](const Area* a) {
    if (a && seen.insert(a->code).second) out.push_back(a);
  };
  auto add_with_chain = [&](const Area* area) {
    for (const Area* up : directory.ancestors(area->code)) add(up);
    add(area);
    for (const Area* down : directory.descendants(area->code)) add(down);
  };
  for (const auto& code : warning.areas)
    if (const Area* area = directory.area(code)) add_with_chain(area);
  // A warning drawn as a shape covers every area whose coordinates fall inside it.
  if (!warning.polygons.empty() || !warning.circles.empty())
    for (const Area* area : directory.all_areas())
      if (area->point && covers_any(warning, *area->point)) add_with_chain(area);
  // Tier by tier, then by code: the order people are called in is the same on every run.
  std::sort(out.begin(), out.end(), [](const Area* a, const Area* b) {
    if (a->tier != b->tier) return static_cast<int>(a->tier) < static_cast<int>(b->tier);
    return a->code < b->code;
  });
  return out;
}

namespace {

// The counties next to the warned areas' counties (not warned themselves), and all below them.
std::vector<const Area*> neighbour_scope(const std::vector<const Area*>& warned_scope, const Directory& directory) {
  std::set<std::string_view> warned_counties, seen;
  for (const Area* a : warned_scope)
    if (const Area* county = directory.county_of(a->code)) warned_counties.insert(county->code);
  std::vector<const Area*> out;
  for (std::string_view code : warned_counties)
    for (const std::string& n : directory.area(code)->neighbours) {
      if (warned_counties.count(n) || !seen.insert(n).second) continue;
      out.push_back(directory.area(n));
      for (const Area* down : directory.descendants(n)) out.push_back(down);
    }
  std::sort(out.begin(), out.end(), [](const Area* a, const Area* b) {
    if (a->tier != b->tier) return static_cast<int>(a->tier) < static_cast<int>(b->tier);
    return a->code < b->code;
  });
  return out;
}

}  // namespace

Resolution resolve_recipients(const Warning& warning, const std::vector<const Plan*>& plans,
                              const Directory& directory) {
  Resolution result;
  std::vector<const Area*> scope = areas_in_scope(warning, directory);
  std::vector<const Area*> neighbours = neighbour_scope(scope, directory);
  // Hash sets of views into the directory (it outlives the call): a city is 100,000 look-ups.
  std::unordered_set<std::string_view> called;   // person ids already taken
  std::unordered_set<std::string> posts_done;    // "area|role" already resolved
  for (int tier = 0; tier <= static_cast<int>(Tier::village); ++tier) {
    for (const Plan* plan : plans) {
      for (const RecipientRule& rule : plan->recipients) {
        if (static_cast<int>(rule.tier) != tier) continue;
        for (const Area* area : rule.scope == RecipientRule::Scope::neighbours ? neighbours : scope) {
          if (area->tier != rule.tier) continue;
          for (const std::string& role : rule.roles) {
            if (!posts_done.insert(area->code + '|' + role).second) continue;
            Seat seat = Seat::A;
            const Person* person = directory.holder(area->code, role, Seat::A);
            if (!person) {
              person = directory.holder(area->code, role, Seat::B);
              seat = Seat::B;
              result.unfilled.push_back(
                  {area->code, role, person ? "seat A is empty; calling the B seat" : "no holder in seat A or B"});
            }
            if (!person || !called.insert(std::string_view(person->id)).second) continue;
            result.recipients.push_back(Recipient{person->id, area->code, role, area->tier, seat, plan});
          }
        }
      }
    }
  }
  return result;
}

BroadcastTargets broadcast_targets(const Warning& warning, const Directory& directory, Tier tier) {
  BroadcastTargets out;
  for (const Area* area : areas_in_scope(warning, directory)) {
    if (area->tier != tier) continue;
    (area->broadcast.empty() ? out.without_endpoints : out.reachable).push_back(area);
  }
  return out;
}

}  // namespace jiaoying
