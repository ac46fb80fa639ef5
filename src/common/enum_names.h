#pragma once

// The names of an enum's values, written once as a table and read both ways: the name of a value, and the
// value of a name. Every place that writes an enum as text (a status field, a label, a log line, a flag) or
// reads one back from text uses such a table, so a name is spelt in one place only.
//
//   inline constexpr auto kLevelNames =
//       enum_names<Level>({{Level::kDebug, "debug"}, {Level::kInfo, "info"}, {Level::kWarn, "warn"}});
//   kLevelNames.name(Level::kInfo)  // "info"
//   kLevelNames.parse("warn")       // Level::kWarn; nullopt for a name the table lacks
//
// enum_names() is evaluated at compile time and refuses a table that leaves an enumerator out or names one
// twice, as an exhaustive switch would: adding an enumerator without its name does not compile.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pgrevise {

template <typename Enum>
struct EnumName {
  Enum value;
  const char* name;  // a string literal: callers may keep it, and pass it where C strings go
};

namespace enum_names_detail {

// The values of an enum that the completeness check looks at: 0 up to here. Enough for every enum we name.
inline constexpr int kLimit = 64;

// Whether V is one of Enum's enumerators. GCC and Clang write a template's arguments into
// __PRETTY_FUNCTION__: an enumerator by its name ("pgrevise::log::Level::kInfo"), any other value as a cast
// ("(pgrevise::log::Level)7"), which alone ends in ')' and digits.
template <auto V>
constexpr bool is_enumerator() {
  const std::string_view signature = __PRETTY_FUNCTION__;
  const size_t start = signature.find("V = ") + 4;
  const std::string_view value = signature.substr(start, signature.find_first_of(";]", start) - start);
  const size_t last_non_digit = value.find_last_not_of("0123456789");
  return !(last_non_digit != std::string_view::npos && last_non_digit + 1 < value.size() &&
           value[last_non_digit] == ')');
}

template <typename Enum, int... I>
constexpr std::array<bool, sizeof...(I)> enumerators(std::integer_sequence<int, I...>) {
  return {is_enumerator<static_cast<Enum>(I)>()...};
}

// is_enumerator_table<Enum>[i]: whether the value i of Enum is an enumerator, for i below kLimit.
template <typename Enum>
inline constexpr std::array<bool, kLimit> is_enumerator_table =
    enumerators<Enum>(std::make_integer_sequence<int, kLimit>());

// Only ever called at compile time, from enum_names(): a call there fails the build with this name in the
// message.
inline void enum_names_must_name_every_enumerator_once() {}

}  // namespace enum_names_detail

template <typename Enum, size_t N>
class EnumNames {
  static_assert(std::is_enum_v<Enum>);

 public:
  constexpr explicit EnumNames(const EnumName<Enum> (&entries)[N]) {
    for (size_t i = 0; i < N; ++i) entries_[i] = entries[i];
  }

  // The name of `value`; `fallback` for a value that is no enumerator (only a cast makes one).
  constexpr const char* name(Enum value, const char* fallback = "") const {
    for (const auto& entry : entries_)
      if (entry.value == value) return entry.name;
    return fallback;
  }

  // The value named `text`, exactly as spelt in the table; nullopt for any other text.
  constexpr std::optional<Enum> parse(std::string_view text) const {
    for (const auto& entry : entries_)
      if (std::string_view(entry.name) == text) return entry.value;
    return std::nullopt;
  }

  // In the table's order.
  constexpr auto begin() const { return entries_.begin(); }
  constexpr auto end() const { return entries_.end(); }
  constexpr size_t size() const { return N; }

  // Whether the table names every enumerator of Enum exactly once, each with one name of its own.
  constexpr bool names_every_enumerator() const {
    const auto& enumerator = enum_names_detail::is_enumerator_table<Enum>;
    size_t enumerators = 0;
    for (bool e : enumerator) enumerators += e ? 1 : 0;
    if (enumerators != N) return false;
    for (size_t i = 0; i < N; ++i) {
      const auto v = static_cast<long long>(entries_[i].value);
      if (v < 0 || v >= enum_names_detail::kLimit || !enumerator[static_cast<size_t>(v)]) return false;
      for (size_t j = 0; j < i; ++j)
        if (entries_[j].value == entries_[i].value ||
            std::string_view(entries_[j].name) == std::string_view(entries_[i].name))
          return false;
    }
    return true;
  }

 private:
  std::array<EnumName<Enum>, N> entries_{};
};

// A complete table of Enum's names (see above); a table that misses an enumerator, or repeats a value or a
// name, does not compile.
template <typename Enum, size_t N>
consteval EnumNames<Enum, N> enum_names(const EnumName<Enum> (&entries)[N]) {
  const EnumNames<Enum, N> names(entries);
  if (!names.names_every_enumerator()) enum_names_detail::enum_names_must_name_every_enumerator_once();
  return names;
}

}  // namespace pgrevise
