#pragma once

#include <string>
#include <string_view>

namespace pgrevise::cli {

// Whether output on file descriptor `fd` gets colour: never with NO_COLOR set to anything non-empty
// (no-color.org); always with CLICOLOR_FORCE set to anything but "0"; otherwise only on a terminal whose
// TERM is not "dumb".
bool colour_wanted(int fd);

// The decision above from its inputs, for tests.
bool colour_wanted(bool is_terminal, const char* no_color, const char* clicolor_force, const char* term);

enum class Colour { kRed, kGreen, kYellow, kBold };

// `text` wrapped in the ANSI escape of `colour` when `on`, else `text` as it is.
std::string paint(std::string_view text, Colour colour, bool on);

}  // namespace pgrevise::cli
