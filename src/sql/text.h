#pragma once

#include <cstddef>
#include <string_view>

namespace pgrevise::sql {

// The position of the first character from `pos` that is neither white space nor inside a comment (-- to the
// end of the line, /* */ nested); text.size() when there is none.
size_t skip_blanks(std::string_view text, size_t pos);

// `end` moved back over trailing white space, not before `begin`.
size_t trim_end(std::string_view text, size_t begin, size_t end);

}  // namespace pgrevise::sql
