// Fuzzes the SQL splitter used for non-transactional revisions: statements are exact, trimmed, ordered,
// non-overlapping slices of the input with the right line numbers, for any bytes.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "revision/sql_splitter.h"

using namespace pgrevise::revision;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  constexpr int kFirstLine = 7;
  constexpr size_t kBase = 1000;
  const auto statements = split_sql(sql, kFirstLine, kBase);
  size_t end_of_previous = 0;
  for (const auto& st : statements) {
    FUZZ_CHECK(!st.sql.empty());
    FUZZ_CHECK(st.offset >= kBase + end_of_previous);
    const size_t at = st.offset - kBase;
    FUZZ_CHECK(at + st.sql.size() <= sql.size());
    FUZZ_CHECK(sql.substr(at, st.sql.size()) == st.sql);
    FUZZ_CHECK(!std::isspace(static_cast<unsigned char>(st.sql.front())));
    FUZZ_CHECK(!std::isspace(static_cast<unsigned char>(st.sql.back())));
    FUZZ_CHECK(st.line ==
               kFirstLine + std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    end_of_previous = at + st.sql.size();
  }
  // Where the text starts in its file changes nothing but the positions.
  const auto plain = split_sql(sql);
  FUZZ_CHECK(plain.size() == statements.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    FUZZ_CHECK(plain[i].sql == statements[i].sql);
    FUZZ_CHECK(plain[i].offset + kBase == statements[i].offset);
    FUZZ_CHECK(plain[i].line + kFirstLine - 1 == statements[i].line);
  }
  return 0;
}
