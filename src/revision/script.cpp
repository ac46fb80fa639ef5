#include "revision/script.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "common/hash.h"
#include "common/strings.h"

namespace pgrevise::revision {

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool all_word_chars(std::string_view s) {
  for (char c : s)
    if (!is_word_char(c)) return false;
  return true;
}

// One physical line of the file, without its line terminator.
struct Line {
  std::string_view text;
  size_t offset;  // of the first character
  size_t next;    // offset of the following line
  int number;
};

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
  }
  bool next(Line& line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    size_t next = end == std::string_view::npos ? text_.size() : end + 1;
    if (end == std::string_view::npos) end = text_.size();
    std::string_view body = text_.substr(pos_, end - pos_);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    line = Line{body, pos_, next, ++number_};
    pos_ = next;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int number_ = 0;
};

// Offset of the first byte that makes `text` not well-formed UTF-8 (or is NUL, which libpq would take for the
// end of the statement text and silently drop the rest), or npos.
size_t first_bad_byte(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = bytes[i];
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Lead byte: length of the sequence and the range of its first continuation byte (no overlong forms,
    // no surrogates, nothing above U+10FFFF).
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (size_t k = 2; k < length; ++k)
      if ((bytes[i + k] & 0xC0) != 0x80) return i;
    i += length;
  }
  return std::string_view::npos;
}

int line_at(std::string_view text, size_t offset) {
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// A file that is not a migration at all (a stray data file, an editor's backup) would otherwise report every
// one of its lines; the first few problems say enough.
constexpr size_t kMaxProblemsPerFile = 10;

enum class Marker { kNone, kUpgrade, kDowngrade };

Marker marker_of(std::string_view line) {
  std::string_view t = trim(line);
  if (t == "-- +upgrade") return Marker::kUpgrade;
  if (t == "-- +downgrade") return Marker::kDowngrade;
  return Marker::kNone;
}

// "-- key: value" → key and value; false when the line is not shaped like a header entry.
bool split_header(std::string_view line, std::string_view& key, std::string_view& value) {
  std::string_view t = trim(line);
  if (t.substr(0, 2) != "--") return false;
  t = trim(t.substr(2));
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view k = t.substr(0, colon);
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  key = k;
  value = trim(t.substr(colon + 1));
  return true;
}

constexpr std::array<std::string_view, 6> kHeaderKeys = {"revision",      "down_revision", "message",
                                                         "branch_labels", "depends_on",    "transactional"};

class ScriptParser {
 public:
  ScriptParser(std::string_view text, const std::string& file, std::vector<Problem>& problems)
      : text_(text), file_(file), problems_(problems) {}

  std::optional<Script> parse() {
    script_.file = file_;
    before_ = problems_.size();
    if (const size_t bad = first_bad_byte(text_); bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(text_[bad])));
      add(line_at(text_, bad),
          std::string("not UTF-8 text: byte ") + byte + " at offset " + std::to_string(bad) +
              (text_[bad] == '\0' ? " (a NUL byte; is this a binary file?)" : " (save the file as UTF-8)"));
      return std::nullopt;
    }
    LineReader reader(text_);
    Line line;
    while (reader.next(line)) {
      Marker m = marker_of(line.text);
      if (m != Marker::kNone) {
        on_marker(m, line);
      } else if (state_ == Marker::kNone) {
        on_header_line(line);
      }
    }
    finish_section(text_.size());
    if (!seen_upgrade_) add(0, "missing '-- +upgrade' section");
    if (script_.revision.empty() && !seen_key_[0]) add(0, "missing '-- revision:' header");
    if (problems_.size() != before_) return std::nullopt;
    script_.checksum = sha256_hex(text_.substr(upgrade_marker_offset_));
    return std::move(script_);
  }

 private:
  void add(int line, std::string message) {
    const size_t found = problems_.size() - before_;
    if (found > kMaxProblemsPerFile) return;
    if (found == kMaxProblemsPerFile) message = "more problems not shown (is this a migration file?)";
    problems_.push_back(Problem{file_, line, RevisionErrorCode::kParse, std::move(message)});
  }

  void on_marker(Marker m, const Line& line) {
    if (m == Marker::kUpgrade) {
      if (seen_upgrade_) return add(line.number, "second '-- +upgrade' section");
      if (state_ == Marker::kDowngrade) return add(line.number, "'-- +upgrade' after '-- +downgrade'");
      seen_upgrade_ = true;
      upgrade_marker_offset_ = line.offset;
    } else {
      if (script_.downgrade) return add(line.number, "second '-- +downgrade' section");
      if (!seen_upgrade_) return add(line.number, "'-- +downgrade' before '-- +upgrade'");
      finish_section(line.offset);
      script_.downgrade = Section{};
    }
    state_ = m;
    current_ = m == Marker::kUpgrade ? &script_.upgrade : &*script_.downgrade;
    current_->offset = line.next;
    current_->first_line = line.number + 1;
  }

  void finish_section(size_t end) {
    if (current_ == nullptr) return;
    size_t start = std::min(current_->offset, end);
    current_->offset = start;
    current_->sql.assign(text_.substr(start, end - start));
    current_ = nullptr;
  }

  void on_header_line(const Line& line) {
    std::string_view t = trim(line.text);
    if (t.empty()) return;
    if (t.substr(0, 2) != "--") return add(line.number, "SQL before the '-- +upgrade' marker");
    std::string_view key, value;
    if (!split_header(t, key, value)) return;  // a free comment
    size_t index = 0;
    while (index < kHeaderKeys.size() && kHeaderKeys[index] != key) ++index;
    if (index == kHeaderKeys.size()) {
      return add(line.number, "unknown header key '" + std::string(key) +
                                  "' (expected revision, down_revision, message, branch_labels, depends_on, "
                                  "transactional)");
    }
    if (seen_key_[index]) return add(line.number, "duplicate header key '" + std::string(key) + "'");
    seen_key_[index] = true;
    apply_header(index, value, line.number);
  }

  void apply_header(size_t index, std::string_view value, int line) {
    switch (index) {
      case 0:
        if (!is_valid_revision_id(value))
          return add(line, "revision id '" + std::string(value) + "' must be 1 to 32 of [A-Za-z0-9_]");
        script_.revision = std::string(value);
        return;
      case 1:
        script_.down_revisions = id_list(value, line, "down_revision", /*labels_ok=*/false);
        return;
      case 2:
        script_.message = std::string(value);
        return;
      case 3:
        script_.branch_labels = label_list(value, line);
        return;
      case 4:
        script_.depends_on = id_list(value, line, "depends_on", /*labels_ok=*/true);
        return;
      case 5:
        if (value == "true")
          script_.transactional = true;
        else if (value == "false")
          script_.transactional = false;
        else
          add(line, "transactional must be 'true' or 'false', not '" + std::string(value) + "'");
        return;
    }
  }

  std::vector<std::string> id_list(std::string_view value, int line, const char* key, bool labels_ok) {
    std::vector<std::string> out;
    if (value.empty()) return out;
    for (auto& item : split_trimmed(value, ',')) {
      bool ok = labels_ok ? (!item.empty() && item.size() <= 64 && all_word_chars(item))
                          : is_valid_revision_id(item);
      if (!ok) {
        add(line, std::string(key) + " entry '" + item + "' must be 1 to 32 of [A-Za-z0-9_]");
      } else if (std::find(out.begin(), out.end(), item) != out.end()) {
        add(line, std::string(key) + " names '" + item + "' twice");
      } else {
        out.push_back(item);
      }
    }
    return out;
  }

  std::vector<std::string> label_list(std::string_view value, int line) {
    std::vector<std::string> out;
    for (auto& item : split_trimmed(value, ',')) {
      if (!is_valid_branch_label(item)) {
        add(line, "branch label '" + item + "' must be 1 to 64 of [A-Za-z0-9_] and not head, heads or base");
      } else if (std::find(out.begin(), out.end(), item) == out.end()) {
        out.push_back(item);
      }
    }
    return out;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<Problem>& problems_;
  Script script_;
  size_t before_ = 0;  // problems_ reported by earlier files
  Marker state_ = Marker::kNone;
  Section* current_ = nullptr;
  bool seen_upgrade_ = false;
  size_t upgrade_marker_offset_ = 0;
  std::array<bool, kHeaderKeys.size()> seen_key_{};
};

}  // namespace

bool is_valid_revision_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 && all_word_chars(id);
}

bool is_valid_branch_label(std::string_view label) {
  return !label.empty() && label.size() <= 64 && all_word_chars(label) && label != "head" &&
         label != "heads" && label != "base";
}

std::optional<Script> parse_script(std::string_view text, const std::string& file,
                                   std::vector<Problem>& problems) {
  return ScriptParser(text, file, problems).parse();
}

Script parse_script(std::string_view text, const std::string& file) {
  std::vector<Problem> problems;
  auto script = parse_script(text, file, problems);
  if (!script) throw RevisionError(std::move(problems));
  return std::move(*script);
}

}  // namespace pgrevise::revision
