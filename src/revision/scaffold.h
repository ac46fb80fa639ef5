#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "revision/graph.h"

namespace pgrevise::revision {

// What `pgrevise new` was asked for.
struct NewRevisionRequest {
  std::string message;  // required, one line
  // Which revision to build on: a head's id (or unique prefix), LABEL@head, or "base" for a new base. A
  // revision that is not a head starts a new branch from it (Alembic's --head with --splice). Unset: the only
  // head (several heads are an error unless merge_heads is set).
  std::optional<std::string> head;
  bool merge_heads = false;                // down_revision = every head (a merge revision)
  std::vector<std::string> branch_labels;  // new labels, not used yet
  std::vector<std::string> depends_on;     // revision ids, unique prefixes or labels that exist
  bool transactional = true;
  std::optional<std::string> revision_id;  // --rev-id: this id instead of a drawn one
  std::string name_prefix;                 // the file name's sortable prefix (file_name_prefix); "" for none
};

// The new file: its revision id, its file name (<prefix>_<id>_<slug>.sql) and its text. The caller writes it.
struct NewRevisionFile {
  std::string revision;
  std::string down_revision;  // as written in the header (header_id_list; "" for a base)
  std::string file_name;
  std::string text;
  bool new_branch = false;  // built on a revision that was not a head: the files gain a head
};

// The sortable prefix of a new file's name: the UTC time it was made as YYYYMMDD_HHMMSS, so that `ls` lists
// files in the order they were made. When a name in `existing` (the folder's files) starts with the same or a
// later time (files made within one second, or a clock set back), the prefix is one second after the latest
// of those, so the new file still sorts last. Identity still comes from the header: files named otherwise
// keep working.
std::string file_name_prefix(std::chrono::system_clock::time_point made_at,
                             const std::vector<std::string>& existing = {});

// The file-name form of a message: lower-case ASCII letters and digits joined by '_', at most 40 characters.
// Common accented Latin letters become their base letters (é -> e, ß -> ss, Æ -> ae, ł -> l); any other
// character outside ASCII is dropped.
std::string slug(std::string_view message);

// Source of fresh revision ids; injected so tests are deterministic.
using RevisionIdSource = std::function<std::string()>;

// 12 lower-case hex characters from 48 random bits (the shape of Alembic's ids).
std::string hex_revision_id(std::uint64_t random_bits);

// A RevisionIdSource drawing from std::random_device (for the executable; tests pass their own).
RevisionIdSource random_revision_ids();

// Builds the new revision. Errors (RevisionError, kind kBadInput): empty or multi-line message; several heads
// without `head` or `merge_heads` (kMultipleHeads, naming the heads and the options); `head` unknown
// (kResolutionError); a label already used or malformed (kDuplicateLabel / kParse); a depends_on entry that
// resolves to nothing (kUnknownDependency); a revision_id that is no valid id (kParse) or is taken
// (kDuplicateRevision). A drawn id the graph already has is drawn again (up to 100 times).
NewRevisionFile scaffold_revision(const RevisionGraph& graph, const NewRevisionRequest& request,
                                  const RevisionIdSource& new_id);

}  // namespace pgrevise::revision
