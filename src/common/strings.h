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

// The to_string() of each item (problems, field errors), one a line.
template <typename T>
std::string lines_of(const std::vector<T>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += '\n';
    out += item.to_string();
  }
  return out;
}

// Offset of the first byte that makes `text` not well-formed UTF-8 (no overlong forms, no surrogates, nothing
// above U+10FFFF), or that is an ASCII character `refused` refuses (NUL, control characters: whatever the
// caller cannot take); npos when there is none.
size_t first_unfit_utf8(std::string_view text, bool (*refused)(unsigned char ascii));

}  // namespace pgrevise
