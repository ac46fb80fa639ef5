#include "lint/finding.h"

#include "common/enum_names.h"

namespace pgrevise::lint {

namespace {

constexpr auto kSeverityNames = enum_names<Severity>({
    {Severity::kInfo, "info"},
    {Severity::kWarning, "warning"},
    {Severity::kError, "error"},
    {Severity::kOff, "off"},
});

}  // namespace

std::string_view severity_name(Severity severity) {
  return kSeverityNames.name(severity, "warning");
}

std::optional<Severity> parse_severity(std::string_view name) {
  return kSeverityNames.parse(name);
}

}  // namespace pgrevise::lint
