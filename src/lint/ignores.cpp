#include "lint/ignores.h"

#include "common/strings.h"

namespace pgrevise::lint {

std::vector<Ignore> find_ignores(std::string_view text) {
  static constexpr std::string_view kMarker = "lint: ignore";
  std::vector<Ignore> out;
  size_t pos = 0;
  while ((pos = text.find(kMarker, pos)) != std::string_view::npos) {
    const size_t line_start = text.rfind('\n', pos) == std::string_view::npos ? 0 : text.rfind('\n', pos) + 1;
    const size_t dashes = text.find("--", line_start);
    const size_t end = std::min(text.find('\n', pos), text.size());
    const size_t after = pos + kMarker.size();
    pos = end;
    if (dashes == std::string_view::npos || dashes > after - kMarker.size() ||
        trim(text.substr(dashes + 2, after - kMarker.size() - dashes - 2)).size() != 0)
      continue;  // not a `--` comment that starts with the marker
    std::string_view rest = trim(text.substr(after, end - after));
    const size_t space = rest.find_first_of(" \t");
    Ignore ignore;
    ignore.offset = dashes;
    for (auto& rule : split_trimmed(rest.substr(0, space), ','))
      if (!rule.empty()) ignore.rules.push_back(rule);
    if (space != std::string_view::npos) ignore.reason = std::string(trim(rest.substr(space)));
    out.push_back(std::move(ignore));
  }
  return out;
}

}  // namespace pgrevise::lint
