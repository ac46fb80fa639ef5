#pragma once

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace pgrevise::e2e {

// Sum of the values of the series of `name` (Prometheus text format) whose labels contain every one of
// `label_matches` (each written as in the exposition, e.g. `result="failed"`); 0 when there is none.
inline double metric_value(const std::string& text, const std::string& name,
                           const std::vector<std::string>& label_matches) {
  std::istringstream lines(text);
  double sum = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    if (line[name.size()] != '{' && line[name.size()] != ' ') continue;
    bool all = true;
    for (const auto& m : label_matches) all = all && line.find(m) != std::string::npos;
    if (!all) continue;
    const auto space = line.rfind(' ');
    sum += std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sum;
}

}  // namespace pgrevise::e2e
