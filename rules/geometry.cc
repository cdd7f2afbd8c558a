#include "rules/geometry.h"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>

namespace jiaoying {

namespace bg = boost::geometry;

namespace {

using XY = bg::model::d2::point_xy<double>;  // x = lon, y = lat
using XYPolygon = bg::model::polygon<XY>;
using Spherical = bg::model::point<double, 2, bg::cs::spherical_equatorial<bg::degree>>;

constexpr double kEarthRadiusKm = 6371.0;

}  // namespace

bool covers(const Polygon& polygon, const GeoPoint& point) {
  XYPolygon shape;
  for (const GeoPoint& p : polygon.points) bg::append(shape.outer(), XY(p.lon, p.lat));
  bg::correct(shape);  // CAP does not fix the winding order
  return bg::covered_by(XY(point.lon, point.lat), shape);
}

double distance_km(const GeoPoint& a, const GeoPoint& b) {
  return bg::distance(Spherical(a.lon, a.lat), Spherical(b.lon, b.lat),
                      bg::strategy::distance::haversine<double>(kEarthRadiusKm));
}

bool covers(const Circle& circle, const GeoPoint& point) { return distance_km(circle.centre, point) <= circle.radius_km; }

bool covers_any(const Warning& warning, const GeoPoint& point) {
  for (const Polygon& p : warning.polygons)
    if (covers(p, point)) return true;
  for (const Circle& c : warning.circles)
    if (covers(c, point)) return true;
  return false;
}

}  // namespace jiaoying
