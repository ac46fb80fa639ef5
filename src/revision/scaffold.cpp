#include "revision/scaffold.h"

#include <algorithm>
#include <cctype>
#include <random>

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

[[noreturn]] void refuse(RevisionErrorCode code, const std::string& message,
                         std::vector<std::string> details = {}) {
  throw RevisionError(code, message, std::move(details));
}

std::string slug(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '_')
      out += '_';
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::vector<std::string> down_revisions(const RevisionGraph& g, const NewRevisionRequest& req) {
  if (req.merge_heads) return g.ids(g.heads());
  if (req.head) {
    if (*req.head == "base") return {};
    auto rev = resolve_revision(g, *req.head);
    if (!rev) return {};
    if (!g.at(*rev).is_head())
      refuse(RevisionErrorCode::kResolutionError,
             "revision " + g.at(*rev).id() + " is not a head; a new revision builds on a head (heads: " +
                 join(g.ids(g.heads()), ", ") + ")");
    return {g.at(*rev).id()};
  }
  if (g.heads().size() > 1)
    refuse(RevisionErrorCode::kMultipleHeads,
           "Multiple heads are present (" + join(g.ids(g.heads()), ", ") +
               "); choose one with --head <revision> or --head <branchname>@head, or merge them with --merge",
           g.ids(g.heads()));
  return g.ids(g.heads());
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
  file.down_revision = header_id_list(down_revisions(g, req));
  for (int attempt = 0; attempt < 100 && file.revision.empty(); ++attempt) {
    std::string id = new_id();
    if (is_valid_revision_id(id) && !g.find(id) && !g.label_owner(id)) file.revision = id;
  }
  if (file.revision.empty())
    refuse(RevisionErrorCode::kDuplicateRevision, "could not draw an unused revision id");
  std::string name_slug = slug(req.message);
  file.file_name = file.revision + (name_slug.empty() ? "" : "_" + name_slug) + ".sql";
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
