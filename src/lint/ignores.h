#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgrevise::lint {

// `-- lint: ignore RULE[,RULE...] reason` in a statement or in the comments just before it.
struct Ignore {
  std::vector<std::string> rules;
  std::string reason;  // empty: the ignore is not honoured (and is itself a finding)
  size_t offset = 0;   // of the comment, in the text searched
  bool used = false;
};

// The ignore comments in `text` (the statement with the comment lines before it).
std::vector<Ignore> find_ignores(std::string_view text);

}  // namespace pgrevise::lint
