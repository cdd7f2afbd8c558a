// Warning areas drawn as shapes (CAP polygon and circle) against the directory's coordinates:
// which villages a shape covers. Boost.Geometry does the work. Pure; any thread.
#pragma once

#include "rules/warning.h"

namespace jiaoying {

// Inside or on the border. Polygons are taken in plain lon/lat (fine at the scale of a county);
// circles by great-circle distance on a 6,371 km sphere.
bool covers(const Polygon& polygon, const GeoPoint& point);
bool covers(const Circle& circle, const GeoPoint& point);
bool covers_any(const Warning& warning, const GeoPoint& point);

// Great-circle distance in kilometres.
double distance_km(const GeoPoint& a, const GeoPoint& b);

}  // namespace jiaoying
