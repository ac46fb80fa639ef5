#pragma once

#include <string>
#include <utility>

namespace pgrevise {

// One change to the version table (one row per applied head, as Alembic keeps it) made by one migration step:
// insert a new head, delete a head, or move a head from one revision to another. The planner computes them
// (revision/) and the database layer writes them (db/), both in this one shape.
struct VersionChange {
  enum class Kind { kInsert, kDelete, kUpdate };
  Kind kind;
  std::string from;  // kDelete, kUpdate
  std::string to;    // kInsert, kUpdate
  static VersionChange insert(std::string to) { return {Kind::kInsert, "", std::move(to)}; }
  static VersionChange remove(std::string from) { return {Kind::kDelete, std::move(from), ""}; }
  static VersionChange update(std::string from, std::string to) {
    return {Kind::kUpdate, std::move(from), std::move(to)};
  }
  bool operator==(const VersionChange&) const = default;

  // "insert X", "delete X", "update X -> Y"
  std::string to_string() const {
    switch (kind) {
      case Kind::kInsert:
        return "insert " + to;
      case Kind::kDelete:
        return "delete " + from;
      case Kind::kUpdate:
        return "update " + from + " -> " + to;
    }
    return "";
  }
};

}  // namespace pgrevise
