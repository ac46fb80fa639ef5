#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgrevise::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kText, kJson };

struct Field {
  std::string key;
  std::string value;
};
using Fields = std::vector<Field>;

// Process-wide logging configuration; every message and field value is redacted before it is written.
void configure(Level min_level, Format format);
bool parse_level(std::string_view text, Level& out);
bool parse_format(std::string_view text, Format& out);
Level min_level();

// Where lines go (stderr by default). Tests capture lines here to assert that no secret is ever written.
using Sink = std::function<void(const std::string& line)>;
void set_sink(Sink sink);
void reset_sink();

void write(Level level, std::string_view message, const Fields& fields = {});
inline void debug(std::string_view m, const Fields& f = {}) {
  write(Level::kDebug, m, f);
}
inline void info(std::string_view m, const Fields& f = {}) {
  write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, const Fields& f = {}) {
  write(Level::kWarn, m, f);
}
inline void error(std::string_view m, const Fields& f = {}) {
  write(Level::kError, m, f);
}

// The formatted line without writing it, for tests of the format itself.
std::string format_line(Level level, std::string_view message, const Fields& fields,
                        std::string_view timestamp);

}  // namespace pgrevise::log
