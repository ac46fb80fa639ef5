#pragma once

#include <string>
#include <string_view>

namespace pgrevise::db {

// A PostgreSQL identifier in double quotes with embedded quotes doubled: safe for any name, including ones
// with quotes, semicolons or spaces. Never build SQL identifiers any other way.
std::string quote_identifier(std::string_view name);

// A string literal safe with standard_conforming_strings on (the default since PostgreSQL 9.1): single quotes
// doubled, and the E'' form with escaped backslashes when the text contains a backslash, so it is also safe
// with the setting off.
std::string quote_literal(std::string_view text);

// `body` between dollar quotes whose tag ($pgrevise$, $pgrevise0$, ...) does not occur in it, so no name or
// id inside can close the quote early: for the bodies of DO blocks.
std::string dollar_quote(std::string_view body);

}  // namespace pgrevise::db
