// Fuzzes the migration-file parser: any bytes either parse into a script whose sections are exact slices of
// the input, or are refused with a few problems that name the file; nothing else (no crash, no exception).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "revision/script.h"

using namespace pgrevise::revision;

namespace {

void check_section(std::string_view text, const Section& s) {
  FUZZ_CHECK(s.offset <= text.size());
  FUZZ_CHECK(s.sql.size() <= text.size() - s.offset);
  FUZZ_CHECK(text.substr(s.offset, s.sql.size()) == s.sql);
  FUZZ_CHECK(s.first_line >= 2);  // a marker line comes first
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Problem> problems;
  const auto script = parse_script(text, "fuzz.sql", problems);
  if (!script) {
    FUZZ_CHECK(!problems.empty());
    FUZZ_CHECK(problems.size() <= 11);
    for (const auto& p : problems) {
      FUZZ_CHECK(p.file == "fuzz.sql");
      FUZZ_CHECK(p.line >= 0);
      FUZZ_CHECK(p.to_string().rfind("fuzz.sql", 0) == 0);
    }
    return 0;
  }
  FUZZ_CHECK(problems.empty());
  FUZZ_CHECK(is_valid_revision_id(script->revision));
  for (const auto& parent : script->down_revisions) FUZZ_CHECK(is_valid_revision_id(parent));
  for (const auto& label : script->branch_labels) FUZZ_CHECK(is_valid_branch_label(label));
  FUZZ_CHECK(script->checksum.size() == 64);
  check_section(text, script->upgrade);
  if (script->downgrade) {
    check_section(text, *script->downgrade);
    FUZZ_CHECK(script->downgrade->offset > script->upgrade.offset);
  }
  // The throwing overload agrees.
  FUZZ_CHECK(parse_script(text, "fuzz.sql").revision == script->revision);
  return 0;
}
