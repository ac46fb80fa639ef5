#include "sql/text.h"

#include <algorithm>
#include <cctype>

namespace pgrevise::sql {

namespace {

size_t skip_block_comment(std::string_view text, size_t pos) {
  int depth = 0;
  do {
    if (text.substr(pos, 2) == "/*") {
      ++depth;
      pos += 2;
    } else if (text.substr(pos, 2) == "*/") {
      --depth;
      pos += 2;
    } else {
      ++pos;
    }
  } while (depth > 0 && pos < text.size());
  return std::min(pos, text.size());
}

}  // namespace

size_t skip_blanks(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos]))) {
      ++pos;
    } else if (text.substr(pos, 2) == "--") {
      pos = std::min(text.find('\n', pos), text.size());
    } else if (text.substr(pos, 2) == "/*") {
      pos = skip_block_comment(text, pos);
    } else {
      break;
    }
  }
  return pos;
}

size_t trim_end(std::string_view text, size_t begin, size_t end) {
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return end;
}

}  // namespace pgrevise::sql
