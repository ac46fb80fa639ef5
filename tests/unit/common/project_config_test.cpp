#include "common/project_config.h"

#include <gtest/gtest.h>

#include "common/cli.h"
#include "common/error.h"

namespace pgrevise::cli {
namespace {

std::string refusal(const std::string& text, const std::string& file) {
  try {
    parse_project_config(text, file);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << text;
  return "";
}

TEST(ProjectConfig, ReadsTomlAndYaml) {
  const auto toml = parse_project_config(
      "# settings\n[pgrevise]\nmigrations_dir = \"db/migrations\"  # the folder\n"
      "database_url_env = 'APP_DATABASE_URL'\nversion_table = \"app.\\\"v\\\"\"\n",
      "pgrevise.toml");
  EXPECT_EQ(toml.file, "pgrevise.toml");
  EXPECT_EQ(toml.migrations_dir, "db/migrations");
  EXPECT_EQ(toml.database_url_env, "APP_DATABASE_URL");
  EXPECT_EQ(toml.version_table, "app.\"v\"");
  const auto yaml =
      parse_project_config("---\nmigrations_dir: db/migrations\nversion_table: \"v#1\"\n", "pgrevise.yaml");
  EXPECT_EQ(yaml.migrations_dir, "db/migrations");
  EXPECT_EQ(yaml.version_table, "v#1");
  EXPECT_FALSE(yaml.database_url_env);
}

TEST(ProjectConfig, RefusesWhatItDoesNotKnowNamingTheLine) {
  EXPECT_EQ(refusal("migrations_dir = \"m\"\nmigration_dir = \"x\"\n", "pgrevise.toml"),
            "pgrevise.toml:2: unknown setting 'migration_dir' (did you mean 'migrations_dir'?)");
  EXPECT_EQ(refusal("migrations_dir = m\n", "pgrevise.toml"),
            "pgrevise.toml:1: expected a quoted string, e.g. key = \"value\"");
  EXPECT_EQ(refusal("[tool]\n", "pgrevise.toml"), "pgrevise.toml:1: unknown table [tool] (only [pgrevise])");
  EXPECT_EQ(refusal("pgrevise:\n  migrations_dir: m\n", "pgrevise.yaml"),
            "pgrevise.yaml:1: the value is missing");
  EXPECT_EQ(refusal("version_table: a\nversion_table: b\n", "pgrevise.yml"),
            "pgrevise.yml:2: 'version_table' is set twice");
}

TEST(ProjectConfig, WhatInitWritesReadsBack) {
  const ProjectConfig config{.migrations_dir = "db/mig \"x\"", .database_url_env = "DATABASE_URL"};
  for (const std::string format : {"toml", "yaml"}) {
    const auto back = parse_project_config(render_project_config(config, format), "pgrevise." + format);
    EXPECT_EQ(back.migrations_dir, config.migrations_dir) << format;
    EXPECT_EQ(back.database_url_env, config.database_url_env) << format;
    EXPECT_FALSE(back.version_table) << format;
  }
}

TEST(ProjectConfig, GivesFlagDefaultsThatTheCommandLineOverrides) {
  const ProjectConfig config{
      .migrations_dir = "db/migrations", .database_url_env = "APP_URL", .version_table = "app.v"};
  const auto defaults = project_flag_defaults(config, [](const std::string& name) {
    return name == "APP_URL" ? std::optional<std::string>("postgresql://app@db/app") : std::nullopt;
  });
  EXPECT_EQ(defaults.at("dir"), "db/migrations");
  EXPECT_EQ(defaults.at("version-table"), "app.v");
  EXPECT_EQ(defaults.at("database-url"), "postgresql://app@db/app");
  set_project_defaults(defaults);
  const CommandSpec spec{.usage = "u", .summary = "s", .flags = {{"dir", "DIR", ""}, {"other", "X", ""}}};
  EXPECT_EQ(parse(spec, {}).get("dir"), "db/migrations");
  EXPECT_FALSE(parse(spec, {}).has("version-table"));  // a flag the command does not take
  EXPECT_EQ(parse(spec, {"--dir", "here"}).get("dir"), "here");
  CommandSpec without = spec;
  without.project_defaults = false;
  EXPECT_FALSE(parse(without, {}).has("dir"));
  set_project_defaults({});
  EXPECT_FALSE(parse(spec, {}).has("dir"));
}

}  // namespace
}  // namespace pgrevise::cli
