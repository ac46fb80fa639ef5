#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::revision {

// What `pgrevise new` was asked for.
struct NewRevisionRequest {
  std::string message;  // required, one line
  // Which head to build on: a head's id (or unique prefix), LABEL@head, or "base" for a new base. Unset: the
  // only head (several heads are an error unless merge_heads is set).
  std::optional<std::string> head;
  bool merge_heads = false;                // down_revision = every head (a merge revision)
  std::vector<std::string> branch_labels;  // new labels, not used yet
  std::vector<std::string> depends_on;     // revision ids, unique prefixes or labels that exist
  bool transactional = true;
};

// The new file: its revision id, its file name (<id>_<slug>.sql) and its text. The caller writes it.
struct NewRevisionFile {
  std::string revision;
  std::string down_revision;  // as written in the header (header_id_list; "" for a base)
  std::string file_name;
  std::string text;
};

// Source of fresh revision ids; injected so tests are deterministic.
using RevisionIdSource = std::function<std::string()>;

// 12 lower-case hex characters from 48 random bits (the shape of Alembic's ids).
std::string hex_revision_id(std::uint64_t random_bits);

// A RevisionIdSource drawing from std::random_device (for the executable; tests pass their own).
RevisionIdSource random_revision_ids();

// Builds the new revision. Errors (RevisionError, kind kBadInput): empty or multi-line message; several heads
// without `head` or `merge_heads` (kMultipleHeads, naming the heads and the options); `head` unknown or not a
// head (kResolutionError); a label already used or malformed (kDuplicateLabel / kParse); a depends_on entry
// that resolves to nothing (kUnknownDependency). An id the graph already has is drawn again (up to 100
// times).
NewRevisionFile scaffold_revision(const RevisionGraph& graph, const NewRevisionRequest& request,
                                  const RevisionIdSource& new_id);

}  // namespace pgrevise::revision
