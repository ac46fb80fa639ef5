#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metrics/recorder.h"

namespace pgrevise::metrics::testing {

using LabelSet = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  LabelSet labels;
  double value = 0;
};

// The samples of a text exposition (format 0.0.4); comment lines are skipped. Throws on a malformed line.
std::vector<Sample> parse_exposition(const std::string& text);

// The value of the one sample with this name and exactly these labels, if present.
std::optional<double> value_of(const std::vector<Sample>& samples, const std::string& name,
                               const LabelSet& labels);

// How many samples of this name carry all of `subset`'s labels.
int count_series(const std::vector<Sample>& samples, const std::string& name, const LabelSet& subset);

// Calls every method at least once, for two resources in namespace "team-a" ("app-db" and "billing"), so that
// the exposition holds every family.
void populate(MigrationMetrics& m);

}  // namespace pgrevise::metrics::testing
