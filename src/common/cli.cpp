#include "common/cli.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/error.h"

namespace pgrevise::cli {

std::optional<std::string> ParsedArgs::get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::get_or(const std::string& flag, const std::string& fallback) const {
  return get(flag).value_or(fallback);
}

FlagSpec output_flag(std::string help) {
  return {"output", "text|json", std::move(help), false, "text"};
}

bool json_output(const ParsedArgs& args) {
  const std::string output = args.get_or("output", "text");
  if (output != "text" && output != "json")
    throw_bad_input("--output: expected text or json, got '" + output + "'");
  return output == "json";
}

std::vector<std::string> ParsedArgs::get_all(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<long long> ParsedArgs::get_int(const std::string& flag, long long min, long long max) const {
  auto text = get(flag);
  if (!text) return std::nullopt;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < min || value > max) {
    throw_bad_input("--" + flag + ": expected a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", got '" + *text + "'");
  }
  return value;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: the one before last is needed for a swap of neighbours.
  std::vector<size_t> before(b.size() + 1), last(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) last[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, last);
    std::swap(last, row);
  }
  return last[b.size()];
}

std::optional<std::string> closest_match(std::string_view typed, const std::vector<std::string>& candidates) {
  const size_t limit = std::clamp<size_t>(typed.size() / 3, 1, 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const size_t d = edit_distance(typed, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates,
                         const std::string& prefix) {
  auto match = closest_match(typed, candidates);
  return match ? " (did you mean '" + prefix + *match + "'?)" : "";
}

namespace {
const FlagSpec* find_flag(const CommandSpec& spec, const std::string& name) {
  for (const auto& f : spec.flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FlagSpec* find_short_flag(const CommandSpec& spec, char letter) {
  for (const auto& f : spec.flags) {
    if (f.short_name != 0 && f.short_name == letter) return &f;
  }
  return nullptr;
}

std::map<std::string, std::string>& project_defaults() {
  static std::map<std::string, std::string> defaults;
  return defaults;
}

[[noreturn]] void unknown_flag(const CommandSpec& spec, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& f : spec.flags) names.push_back(f.name);
  throw_bad_input("unknown flag '--" + name + "'" + did_you_mean(name, names, "--") + " (see --help)");
}
}  // namespace

ParsedArgs parse(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs out;
  bool only_positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (const FlagSpec* alias =
            only_positional || arg.size() != 2 || arg[0] != '-' ? nullptr : find_short_flag(spec, arg[1]))
      arg = "--" + alias->name;
    if (only_positional || arg.size() < 2 || arg.rfind("--", 0) != 0) {
      if (!only_positional && arg.size() > 1 && arg[0] == '-' &&
          !std::isdigit(static_cast<unsigned char>(arg[1]))) {
        throw_bad_input("unknown flag '" + arg + "' (see --help)");
      }
      out.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* flag = find_flag(spec, name);
    if (flag == nullptr) unknown_flag(spec, name);
    if (flag->value_name.empty()) {
      if (inline_value) throw_bad_input("--" + name + " takes no value");
      out.values_[name].push_back("true");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) throw_bad_input("--" + name + " needs a value (" + flag->value_name + ")");
      inline_value = args[++i];
    }
    if (!flag->repeatable && out.values_.count(name)) throw_bad_input("--" + name + " given more than once");
    out.values_[name].push_back(*inline_value);
  }
  if (spec.project_defaults) {
    for (const auto& [name, value] : project_defaults())
      if (find_flag(spec, name) != nullptr && !out.values_.count(name)) out.values_[name].push_back(value);
  }
  if (out.positional_.size() < spec.min_positional) throw_bad_input("missing argument; usage: " + spec.usage);
  if (out.positional_.size() > spec.max_positional) {
    throw_bad_input("unexpected argument '" + out.positional_[spec.max_positional] +
                    "'; usage: " + spec.usage);
  }
  return out;
}

void set_project_defaults(std::map<std::string, std::string> defaults) {
  project_defaults() = std::move(defaults);
}

bool wants_help(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

std::string help_text(const CommandSpec& spec) {
  std::string out = "Usage: " + spec.usage + "\n\n" + spec.summary + "\n";
  if (!spec.flags.empty()) {
    out += "\nFlags:\n";
    for (const auto& f : spec.flags) {
      std::string left =
          std::string(f.short_name != 0 ? "  -" + std::string(1, f.short_name) + ", --" : "  --") + f.name +
          (f.value_name.empty() ? "" : " " + f.value_name);
      if (left.size() < 30)
        left.resize(30, ' ');
      else
        left += "\n" + std::string(30, ' ');
      out += left + f.help;
      if (!f.default_text.empty()) out += " (default: " + f.default_text + ")";
      out += "\n";
    }
  }
  if (!spec.details.empty()) out += "\n" + spec.details + "\n";
  return out;
}

}  // namespace pgrevise::cli
