#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

// Reading libpg_query's JSON parse trees: a node is an object with one key, its type ({"RangeVar": {...}}),
// and absent fields mean the type's zero value (false, 0, empty).
namespace pgrevise::lint::tree {

using nlohmann::json;

// The node's type ("IndexStmt"), empty for anything but a one-key object.
std::string_view kind(const json& node);
// The node's fields (node[kind(node)]), or an empty object.
const json& body(const json& node);
// body's field `key`, or null.
const json& field(const json& object, std::string_view key);
// field as a list (empty when absent).
const json& list(const json& object, std::string_view key);
bool flag(const json& object, std::string_view key);
std::string text(const json& object, std::string_view key);

// A RangeVar's name as written: schema-qualified when it was, each part double-quoted when it needs it.
std::string relation_name(const json& range_var);
// Whether a RangeVar names the relation only, without its inheritance children / partitions (ONLY).
bool only(const json& range_var);
// An identifier as SQL writes it: bare when it is lower-case letters, digits and '_' (not first a digit),
// double-quoted otherwise.
std::string quote_identifier(std::string_view name);
// A dotted name from a list of String nodes (e.g. DROP's objects or a TypeName's names), each part quoted.
std::string dotted_name(const json& strings);
// The String nodes' values.
std::vector<std::string> strings(const json& list);

// A TypeName's type as the catalog names it: the last part of its name, lower-cased (int4, int8, varchar,
// bpchar, timestamp, timestamptz, serial, ...), and whether it is an array.
std::string type_name(const json& type_name_node);
bool is_array_type(const json& type_name_node);

// The Constraint nodes of a ColumnDef, each as its body.
std::vector<const json*> column_constraints(const json& column_def);
// Whether a constraint body has this contype ("CONSTR_DEFAULT", "CONSTR_NOTNULL", "CONSTR_FOREIGN", ...).
bool is_constraint(const json& constraint, std::string_view contype);

}  // namespace pgrevise::lint::tree
