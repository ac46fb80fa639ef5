#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgrevise {

std::string_view trim(std::string_view s);
// Splits on sep and trims each piece; empty pieces are kept so callers can report them.
std::vector<std::string> split_trimmed(std::string_view s, char sep);
bool starts_with_ci(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace pgrevise
