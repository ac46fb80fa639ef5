#include "lint/finding.h"

namespace pgrevise::lint {

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kOff:
      return "off";
  }
  return "warning";
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kError, Severity::kOff})
    if (severity_name(s) == name) return s;
  return std::nullopt;
}

}  // namespace pgrevise::lint
