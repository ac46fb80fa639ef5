#include "common/terminal.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace pgrevise::cli {

bool colour_wanted(bool is_terminal, const char* no_color, const char* clicolor_force, const char* term) {
  if (no_color != nullptr && *no_color != '\0') return false;
  if (clicolor_force != nullptr && *clicolor_force != '\0' && std::strcmp(clicolor_force, "0") != 0)
    return true;
  return is_terminal && (term == nullptr || std::strcmp(term, "dumb") != 0);
}

bool colour_wanted(int fd) {
  return colour_wanted(::isatty(fd) == 1, std::getenv("NO_COLOR"), std::getenv("CLICOLOR_FORCE"),
                       std::getenv("TERM"));
}

std::string paint(std::string_view text, Colour colour, bool on) {
  if (!on) return std::string(text);
  const char* code = colour == Colour::kRed      ? "\033[1;31m"
                     : colour == Colour::kGreen  ? "\033[32m"
                     : colour == Colour::kYellow ? "\033[33m"
                                                 : "\033[1m";
  return code + std::string(text) + "\033[0m";
}

}  // namespace pgrevise::cli
