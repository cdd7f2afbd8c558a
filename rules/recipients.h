// Recipient resolution: from a warning, the plans it matched and the directory, the people to
// call. One person is called once per warning, however many posts or plans reach them. Posts
// that reach nobody are reported, never skipped in silence. Pure; any thread.
#pragma once

#include <string>
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

// Plans combine by union: each person is taken from the first plan (in the order given) whose
// rules reach them, and climbs that plan's ladder. Unknown warned areas are ignored here
// (ingest refuses them before).
Resolution resolve_recipients(const Warning& warning, const std::vector<const Plan*>& plans,
                              const Directory& directory);

}  // namespace jiaoying
