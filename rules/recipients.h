// Recipient resolution: from a warning, the plans it matched and the directory, the people to
// call. One person is called once per warning, however many posts or plans reach them. Posts
// that reach nobody are reported, never skipped in silence. Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/directory.h"
#include "rules/plan.h"
#include "rules/warning.h"

namespace jiaoying {

struct Recipient {
  std::string person;  // Person::id
  std::string area;    // the post that brought them in (the highest tier one if several)
  std::string role;
  Tier tier = Tier::village;
  Seat seat = Seat::A;
  const Plan* plan = nullptr;  // whose ladder they climb
};

// A post in scope that nobody can be called for; the duty officer must see these.
struct UnfilledPost {
  std::string area;
  std::string role;
  std::string why;  // "no holder in seat A or B", "seat A empty, calling seat B"
};

struct Resolution {
  std::vector<Recipient> recipients;  // tier order: county first, then township, village
  std::vector<UnfilledPost> unfilled;
};

// A warning's areas as one directory sees them. A county's jiaoyingd receives the city's and
// the province's warnings too: the areas it holds are called out, the others are kept on the
// warning as "not ours" (said to the duty officer, never an error). A warned area that the
// directory does not hold but that contains areas it does (金华市 330700 in a directory of
// 义乌市 only) stands for those areas.
struct AreaSplit {
  std::vector<std::string> ours;      // codes of the directory, in the warning's order
  std::vector<std::string> not_ours;  // codes as the warning gave them
  // Codes inside a county (or township) of ours that the directory lacks (a township missing
  // from it, or a mistyped code): nobody is called for them, and the duty officer must hear of it.
  struct Missing {
    std::string code;
    const Area* within = nullptr;  // the smallest area of ours that contains it
  };
  std::vector<Missing> missing;
};
AreaSplit split_areas(const std::vector<std::string>& areas, const Directory& directory);

// True when division code `inner` lies inside `outer` (GB/T 2260: 33 省, 3307 市, 330782 县,
// then 3 digits of township and 3 of village; trailing zero groups mean "all of it").
bool division_contains(std::string_view outer, std::string_view inner);

// The areas a warning covers: each warned area and each area whose coordinates lie in one of
// its polygons or circles, with the chain above it and everything below it.
std::vector<const Area*> areas_in_scope(const Warning& warning, const Directory& directory);

// Where a warning's loudspeakers play (a plan's broadcast rule): the areas of `tier` among
// areas_in_scope, those with broadcast endpoints and those without (their loudspeakers cannot be
// reached; the duty officer must see them).
struct BroadcastTargets {
  std::vector<const Area*> reachable;
  std::vector<const Area*> without_endpoints;
};
BroadcastTargets broadcast_targets(const Warning& warning, const Directory& directory, Tier tier);

// The duty room of a post (值班室): the duty_officer of the area of tier `room` above or at
// `area_code` (A seat, else B), or of the nearest area above it that has one. Null when no
// area up the chain keeps a duty officer.
struct DutyOfficer {
  const Person* person = nullptr;
  const Area* area = nullptr;
  Seat seat = Seat::A;
};
DutyOfficer duty_officer_for(const Directory& directory, std::string_view area_code, Tier room);

// Plans combine by union: each person is taken from the first plan (in the order given) whose
// rules reach them, and climbs that plan's ladder. Warned areas the directory does not hold are
// ignored here (ingest resolves with split_areas(...).ours).
Resolution resolve_recipients(const Warning& warning, const std::vector<const Plan*>& plans,
                              const Directory& directory);

}  // namespace jiaoying
