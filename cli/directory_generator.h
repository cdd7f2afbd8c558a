// `jiaoying directory generate`: a directory in jiaoying's YAML shape from the real division
// codes of 金华市 (packaging/data/jinhua-divisions.csv, NBS 2023), with synthetic villages and
// fictitious people in the 1990000xxxx range — for samples, tests and province-scale
// benchmarks. Deterministic: the same options give the same file.
#pragma once

#include <ostream>
#include <string>

namespace jiaoying {

struct GeneratorOptions {
  std::string divisions_csv;          // code,name,tier,parent
  std::string county;                 // only this county (6 digits); empty = all of 金华
  int villages_per_township = 3;
  bool b_seats = true;                // a B deputy on every post (AB岗)
  bool csv = false;                   // one row per person and post instead of YAML
};

// Writes the YAML; returns the number of people, or -1 with `error` set.
int generate_directory(const GeneratorOptions& options, std::ostream& out, std::string& error);

}  // namespace jiaoying
