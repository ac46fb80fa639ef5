#include "revision/scaffold.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>
#include <random>

#include "common/clock.h"
#include "common/strings.h"
#include "revision/target.h"

namespace pgrevise::revision {

std::string hex_revision_id(std::uint64_t bits) {
  static const char* kHex = "0123456789abcdef";
  std::string out(12, '0');
  for (int i = 11; i >= 0; --i) {
    out[i] = kHex[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

RevisionIdSource random_revision_ids() {
  return [] {
    std::random_device device;
    std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
    return hex_revision_id(bits);
  };
}

namespace {

// The time a YYYYMMDD_HHMMSS prefix of `name` stands for, or nullopt when the name starts otherwise.
std::optional<std::chrono::system_clock::time_point> prefix_time(std::string_view name) {
  if (name.size() < 15 || name[8] != '_') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
  auto number = [&](size_t at, size_t length) { return std::stoi(std::string(name.substr(at, length))); };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(4, 2) - 1;
  tm.tm_mday = number(6, 2);
  tm.tm_hour = number(9, 2);
  tm.tm_min = number(11, 2);
  tm.tm_sec = number(13, 2);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::string file_name_prefix(std::chrono::system_clock::time_point made_at,
                             const std::vector<std::string>& existing) {
  using std::chrono::seconds;
  auto at = std::chrono::time_point_cast<seconds>(made_at);
  for (const auto& name : existing) {
    if (auto t = prefix_time(name); t && *t >= at)
      at = std::chrono::time_point_cast<seconds>(*t) + seconds(1);
  }
  const std::string t = format_rfc3339(at);  // 2026-12-06T10:15:03Z
  return t.substr(0, 4) + t.substr(5, 2) + t.substr(8, 2) + "_" + t.substr(11, 2) + t.substr(14, 2) +
         t.substr(17, 2);
}

namespace {

// The ASCII letters of a Latin-1 Supplement or Latin Extended-A letter (U+00C0 to U+017F), lower case; ""
// for a code point that is no letter there (×, ÷) or lies outside.
std::string_view latin_base_letters(char32_t cp) {
  static const char* const kLatin1[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // U+00C0
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",  // U+00D0
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // U+00E0
      "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};  // U+00F0
  // Latin Extended-A in runs: the first code point of each run and its letters.
  static const std::pair<char32_t, const char*> kExtendedA[] = {
      {0x100, "a"}, {0x106, "c"},  {0x10E, "d"}, {0x112, "e"}, {0x11C, "g"}, {0x124, "h"},
      {0x128, "i"}, {0x132, "ij"}, {0x134, "j"}, {0x136, "k"}, {0x139, "l"}, {0x143, "n"},
      {0x14C, "o"}, {0x152, "oe"}, {0x154, "r"}, {0x15A, "s"}, {0x162, "t"}, {0x168, "u"},
      {0x174, "w"}, {0x176, "y"},  {0x179, "z"}, {0x17F, "s"}, {0x180, ""}};
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  if (cp < 0x100 || cp > 0x17F) return "";
  std::string_view letters;
  for (const auto& [first, text] : kExtendedA)
    if (cp >= first) letters = text;
  return letters;
}

// The code point starting at text[i] and its length in bytes; an invalid byte reads as itself, one byte long.
std::pair<char32_t, size_t> decode_utf8(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (length == 1 || i + length > text.size()) return {c, 1};
  char32_t cp = c & (0x3F >> (length - 1));
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return {c, 1};
    cp = (cp << 6) | (next & 0x3F);
  }
  return {cp, length};
}

}  // namespace

std::string slug(std::string_view message) {
  std::string out;
  for (size_t i = 0; i < message.size() && out.size() < 40;) {
    const auto [cp, length] = decode_utf8(message, i);
    i += length;
    std::string letters;
    if (cp < 0x80 && std::isalnum(static_cast<int>(cp)))
      letters = static_cast<char>(std::tolower(static_cast<int>(cp)));
    else if (cp >= 0x80)
      letters = latin_base_letters(cp);
    if (!letters.empty())
      out += letters;
    else if ((cp < 0x80 || cp == 0xD7 || cp == 0xF7) && !out.empty() && out.back() != '_')
      out += '_';  // ASCII punctuation and space, × and ÷ separate words; other characters are dropped
  }
  if (out.size() > 40) out.resize(40);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

namespace {

[[noreturn]] void refuse(RevisionErrorCode code, const std::string& message,
                         std::vector<std::string> details = {}) {
  throw RevisionError(code, message, std::move(details));
}

std::vector<std::string> down_revisions(const RevisionGraph& g, const NewRevisionRequest& req,
                                        bool& new_branch) {
  if (req.merge_heads) return g.ids(g.heads());
  if (req.head) {
    if (*req.head == "base") return {};
    auto rev = resolve_revision(g, *req.head);
    if (!rev) return {};
    new_branch = !g.at(*rev).is_head();
    return {g.at(*rev).id()};
  }
  if (g.heads().size() > 1)
    refuse(RevisionErrorCode::kMultipleHeads,
           "Multiple heads are present (" + join(g.ids(g.heads()), ", ") +
               "); choose one with --head <revision> or --head <branchname>@head, or merge them with --merge",
           g.ids(g.heads()));
  return g.ids(g.heads());
}

// A revision id as part of a file name: characters a file name or a shell makes awkward become '_'.
std::string file_name_part(std::string id) {
  for (char& c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u) && c != '_') c = '_';
  }
  return id;
}

void check_request(const RevisionGraph& g, const NewRevisionRequest& req) {
  if (trim(req.message).empty()) refuse(RevisionErrorCode::kParse, "a message is required (-m MESSAGE)");
  if (req.message.find_first_of("\r\n") != std::string::npos)
    refuse(RevisionErrorCode::kParse, "the message must be a single line");
  for (const auto& label : req.branch_labels) {
    if (!is_valid_branch_label(label))
      refuse(RevisionErrorCode::kParse, "branch label '" + label +
                                            "' must be 1 to 64 of [A-Za-z0-9_] and not head, "
                                            "heads or base");
    if (g.label_owner(label) || g.find(label))
      refuse(RevisionErrorCode::kDuplicateLabel, "branch label '" + label + "' is already used");
  }
  for (const auto& dep : req.depends_on) {
    bool found = g.find(dep) || g.label_owner(dep) || g.prefix_matches(dep).size() == 1;
    if (!found)
      refuse(RevisionErrorCode::kUnknownDependency,
             "depends_on '" + dep + "' is no revision, unique revision prefix or branch label");
  }
}

}  // namespace

NewRevisionFile scaffold_revision(const RevisionGraph& g, const NewRevisionRequest& req,
                                  const RevisionIdSource& new_id) {
  check_request(g, req);
  NewRevisionFile file;
  file.down_revision = header_id_list(down_revisions(g, req, file.new_branch));
  if (req.revision_id) {
    if (!is_valid_revision_id(*req.revision_id))
      refuse(RevisionErrorCode::kParse,
             "'" + *req.revision_id +
                 "' is no revision id: an id holds no '@', '-', '+' or quote and is "
                 "not head, heads or base");
    if (g.find(*req.revision_id) || g.label_owner(*req.revision_id))
      refuse(RevisionErrorCode::kDuplicateRevision, "revision id '" + *req.revision_id + "' is already used");
    file.revision = *req.revision_id;
  }
  for (int attempt = 0; attempt < 100 && file.revision.empty(); ++attempt) {
    std::string id = new_id();
    if (is_valid_revision_id(id) && !g.find(id) && !g.label_owner(id)) file.revision = id;
  }
  if (file.revision.empty())
    refuse(RevisionErrorCode::kDuplicateRevision, "could not draw an unused revision id");
  const std::string name_slug = slug(req.message);
  file.file_name = (req.name_prefix.empty() ? "" : req.name_prefix + "_") + file_name_part(file.revision) +
                   (name_slug.empty() ? "" : "_" + name_slug) + ".sql";
  std::string& t = file.text;
  t = "-- revision: " + file.revision + "\n";
  if (!file.down_revision.empty()) t += "-- down_revision: " + file.down_revision + "\n";
  t += "-- message: " + std::string(trim(req.message)) + "\n";
  if (!req.branch_labels.empty()) t += "-- branch_labels: " + join(req.branch_labels, ", ") + "\n";
  if (!req.depends_on.empty()) t += "-- depends_on: " + header_id_list(req.depends_on) + "\n";
  if (!req.transactional) t += "-- transactional: false\n";
  t += "\n-- +upgrade\n\n\n-- +downgrade\n\n";
  return file;
}

}  // namespace pgrevise::revision
