// The bad-input corpus for migration sets and the command line: each case exits 2 (bad input) with a message
// naming the culprit (file, line, field, flag or revision), and leaves the database and the backup directory
// exactly as they were. Placeholders in the arguments: {dir} the migrations, {url} the database, {out} an
// empty backup directory, {backup} the manifest of a backup taken first. Cases already in
// runner_bad_input_test.cpp are not repeated here.
#include <cctype>
#include <functional>
#include <random>

#include "integration/runner_fixture.h"

namespace pgrevise::testing {
namespace {

struct BadInput {
  std::string name;
  std::vector<std::string> args;      // after `pgrevise`; {dir}, {url} and {out} are replaced
  std::vector<std::string> culprits;  // each must appear in stderr
  std::function<void(const TempDir&)> files = nullptr;  // written over the valid set a <- b <- c
};

void PrintTo(const BadInput& c, std::ostream* os) {
  *os << c.name;
}

std::function<void(const TempDir&)> file(const std::string& name, const std::string& text) {
  return [name, text](const TempDir& dir) { dir.write(name, text); };
}

std::string binary_garbage() {
  std::mt19937 random(8);  // seeded: the same bytes on every run
  std::string bytes(64 * 1024, '\0');
  for (auto& b : bytes) b = static_cast<char>(random() & 0xFF);
  return bytes;
}

// 50 MB of SQL without a header: a data dump dropped into the migrations directory by mistake.
std::string fifty_megabytes() {
  const std::string row = "INSERT INTO time_entries VALUES (1, 'a row of a data dump, not a migration');\n";
  std::string text;
  text.reserve(50 * 1024 * 1024 + row.size());
  while (text.size() < 50 * 1024 * 1024) text += row;
  return text;
}

std::vector<std::string> up(std::vector<std::string> extra) {
  std::vector<std::string> args = {"migrate", "upgrade", "--dir", "{dir}", "--database-url", "{url}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}
std::vector<std::string> sub(const std::string& command, std::vector<std::string> extra) {
  std::vector<std::string> args = {"migrate", command, "--dir", "{dir}", "--database-url", "{url}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}
std::vector<std::string> backup(std::vector<std::string> extra) {
  std::vector<std::string> args = {"backup", "--out", "{out}", "--database-url", "{url}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}
std::vector<std::string> restore(std::vector<std::string> extra) {
  std::vector<std::string> args = {"restore", "--database-url", "{url}"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<BadInput> migration_set_cases() {
  const std::string d_header = "-- revision: d\n-- down_revision: c\n-- message: m\n";
  return {
      {"binary garbage", up({}), {"junk.sql", "not UTF-8 text"}, file("junk.sql", binary_garbage())},
      {"a 50 MB file that is no migration",
       up({}),
       {"big.sql:1", "SQL before the '-- +upgrade' marker"},
       [](const TempDir& dir) { dir.write("big.sql", fifty_megabytes()); }},
      {"latin-1 text",
       up({}),
       {"latin1.sql:5", "not UTF-8 text: byte 0xE9"},
       file("latin1.sql", d_header + "-- +upgrade\nINSERT INTO tc VALUES (1); -- caf\xE9\n")},
      {"latin-1 in the header",
       up({}),
       {"latin1_header.sql:2", "0xE9"},
       file("latin1_header.sql",
            "-- revision: d\n-- message: caf\xE9\n-- down_revision: c\n-- +upgrade\nSELECT 1;\n")},
      {"a NUL byte in the SQL",
       up({}),
       {"nul.sql:5", "NUL"},
       file("nul.sql", d_header + "-- +upgrade\nSELECT 1;" + std::string(1, '\0') + "DROP TABLE ta;\n")},
      {"only a header",
       up({}),
       {"header_only.sql", "missing '-- +upgrade' section"},
       file("header_only.sql", d_header)},
      {"an empty file", up({}), {"empty.sql", "missing '-- revision:' header"}, file("empty.sql", "")},
      {"a revision id with a dash",
       up({}),
       {"dash.sql:1", "'d-1'"},
       file("dash.sql", "-- revision: d-1\n-- down_revision: c\n-- +upgrade\nSELECT 1;\n")},
      {"a revision id of 33 characters for Alembic's varchar(32)",
       up({}),
       {"revision " + std::string(33, 'd') + " (long.sql)", "varchar(32); nothing was run",
        "ALTER COLUMN version_num TYPE varchar(64)"},
       file("long.sql",
            "-- revision: " + std::string(33, 'd') + "\n-- down_revision: c\n-- +upgrade\nSELECT 1;\n")},
      {"a header key twice",
       up({}),
       {"twice.sql:4", "duplicate header key 'down_revision'"},
       file("twice.sql", d_header + "-- down_revision: b\n-- +upgrade\nSELECT 1;\n")},
      {"two upgrade sections",
       up({}),
       {"two_up.sql:6", "second '-- +upgrade' section"},
       file("two_up.sql", d_header + "-- +upgrade\nSELECT 1;\n-- +upgrade\nSELECT 2;\n")},
      {"downgrade before upgrade",
       up({}),
       {"order.sql:4", "'-- +downgrade' before '-- +upgrade'"},
       file("order.sql", d_header + "-- +downgrade\nSELECT 1;\n-- +upgrade\nSELECT 2;\n")},
      {"transactional is neither true nor false",
       up({}),
       {"tx.sql:4", "'maybe'"},
       file("tx.sql", d_header + "-- transactional: maybe\n-- +upgrade\nSELECT 1;\n")},
      {"SQL before the upgrade marker",
       up({}),
       {"early.sql:4", "SQL before the '-- +upgrade' marker"},
       file("early.sql", d_header + "DROP TABLE ta;\n-- +upgrade\nSELECT 1;\n")},
      {"depends_on names nothing",
       up({}),
       {"dep.sql", "nowhere"},
       file("dep.sql", d_header + "-- depends_on: nowhere\n-- +upgrade\nSELECT 1;\n")},
      {"a branch label declared twice",
       up({}),
       {"lab2.sql", "money", "revision d"},
       [](const TempDir& dir) {
         dir.write("lab1.sql",
                   "-- revision: d\n-- down_revision: c\n-- branch_labels: money\n-- +upgrade\nSELECT 1;\n");
         dir.write("lab2.sql",
                   "-- revision: e\n-- down_revision: c\n-- branch_labels: money\n-- +upgrade\nSELECT 1;\n");
       }},
      {"a reserved branch label",
       up({}),
       {"heads.sql:4", "'heads'"},
       file("heads.sql", d_header + "-- branch_labels: heads\n-- +upgrade\nSELECT 1;\n")},
      {"a branch label equal to a revision id",
       up({}),
       {"a"},
       file("label_a.sql", d_header + "-- branch_labels: a\n-- +upgrade\nSELECT 1;\n")},
      {"a revision that is its own parent",
       up({}),
       {"self.sql", "d"},
       file("self.sql", "-- revision: d\n-- down_revision: d\n-- +upgrade\nSELECT 1;\n")},
      {"a parent named twice",
       up({}),
       {"merge.sql:2", "names 'c' twice"},
       file("merge.sql", "-- revision: d\n-- down_revision: c, c\n-- +upgrade\nSELECT 1;\n")},
      {"--dir is a file",
       {"migrate", "upgrade", "--dir", "{dir}/c.sql", "--database-url", "{url}"},
       {"c.sql"}},
      {"a target with quotes and a semicolon", up({"c'; DROP TABLE ta; --"}), {"c'; DROP TABLE ta; --"}},
      {"a branch that does not exist", up({"nolabel@head"}), {"nolabel"}},
      {"a relative step that is not a number", up({"+x"}), {"+x"}},
      {"a walk past the head", up({"b+5"}), {"b+5"}},
      {"stamp to an unknown revision", sub("stamp", {"zzzz"}), {"zzzz"}},
      {"--transaction all with a non-transactional revision",
       up({"--transaction", "all"}),
       {"revision d", "nontx.sql"},
       file("nontx.sql", d_header + "-- transactional: false\n-- +upgrade\nCREATE TABLE td (i int);\n")},
  };
}

std::vector<BadInput> migrate_flag_cases() {
  return {
      {"--lock-wait not a duration", up({"--lock-wait", "soon"}), {"--lock-wait", "soon"}},
      {"--lock-wait negative", up({"--lock-wait", "-5s"}), {"--lock-wait", "-5s"}},
      {"--lock-timeout with an unknown unit", up({"--lock-timeout", "5parsecs"}), {"--lock-timeout"}},
      {"--lock-timeout without its value", up({"--lock-timeout"}), {"--lock-timeout", "needs a value"}},
      {"--statement-timeout not a duration", up({"--statement-timeout", "abc"}), {"--statement-timeout"}},
      {"--lock-retries not a number", up({"--lock-retries", "many"}), {"--lock-retries"}},
      {"--lock-retries too large", up({"--lock-retries", "101"}), {"--lock-retries"}},
      {"--lock-retries a fraction", up({"--lock-retries", "1.5"}), {"--lock-retries"}},
      {"--output an unknown format", up({"--output", "xml"}), {"--output", "xml"}},
      {"--log-level an unknown level", up({"--log-level", "loud"}), {"--log-level"}},
      {"--version-table empty", up({"--version-table", ""}), {"--version-table"}},
      {"--retry-unfinished given a value", up({"--retry-unfinished=yes"}), {"--retry-unfinished"}},
      {"--dir without its value", {"migrate", "upgrade", "--database-url", "{url}", "--dir"}, {"--dir"}},
      {"--database-url without its value",
       {"migrate", "upgrade", "--dir", "{dir}", "--database-url"},
       {"--database-url"}},
      {"--report without its value", up({"--report"}), {"--report"}},
      {"a flag given twice", up({"--lock-retries", "1", "--lock-retries", "2"}), {"--lock-retries"}},
      {"history --limit zero", sub("history", {"--applied", "--limit", "0"}), {"--limit"}},
      {"history --limit not a number", sub("history", {"--applied", "--limit", "ten"}), {"--limit"}},
      {"graph --format unknown", sub("graph", {"--format", "svg"}), {"svg"}},
      {"stamp without a target", sub("stamp", {}), {"usage"}},
      {"downgrade without a target", sub("downgrade", {}), {"usage"}},
      {"upgrade with two targets", up({"b", "c"}), {"'c'"}},
      {"a flag of another subcommand", sub("current", {"--purge"}), {"--purge"}},
  };
}

std::vector<BadInput> backup_flag_cases() {
  return {
      {"backup --format unknown", backup({"--format", "zip"}), {"zip"}},
      {"backup --jobs zero", backup({"--jobs", "0"}), {"--jobs"}},
      {"backup --jobs not a number", backup({"--jobs", "two"}), {"--jobs"}},
      {"backup --jobs without directory format", backup({"--jobs", "2"}), {"--jobs"}},
      {"backup --compress too high", backup({"--compress", "10"}), {"--compress"}},
      {"backup --compress negative", backup({"--compress", "-1"}), {"--compress"}},
      {"backup --compress with plain format",
       backup({"--format", "plain", "--compress", "5"}),
       {"--compress"}},
      {"backup --retain zero", backup({"--retain", "0"}), {"--retain"}},
      {"backup --verify unknown", backup({"--verify", "half"}), {"--verify", "half"}},
      {"backup --timeout zero", backup({"--timeout", "0"}), {"--timeout"}},
      {"backup --timeout not a duration", backup({"--timeout", "soon"}), {"--timeout", "soon"}},
      {"backup --name escaping the directory", backup({"--name", "../escape"}), {"../escape"}},
      {"backup --output unknown", backup({"--output", "xml"}), {"--output"}},
      {"backup --version-table with three parts", backup({"--version-table", "a.b.c"}), {"a.b.c"}},
      {"backup without --out", {"backup", "--database-url", "{url}"}, {"--out"}},
      {"backup with an unknown flag", backup({"--fast"}), {"--fast"}},
      {"backup with an unknown subcommand", backup({"sideways"}), {"sideways"}},
      {"backup prune without --retain", {"backup", "prune", "--out", "{out}"}, {"--retain"}},
      {"backup prune --partial-age not a duration",
       {"backup", "prune", "--out", "{out}", "--retain", "1", "--partial-age", "old"},
       {"--partial-age"}},
      {"backup verify without --from", {"backup", "verify"}, {"--from"}},
      {"restore without --from", restore({}), {"--from"}},
      {"restore --jobs zero", restore({"--from", "{backup}", "--jobs", "0"}), {"--jobs"}},
      {"restore --timeout not a duration",
       restore({"--from", "{backup}", "--timeout", "later"}),
       {"--timeout"}},
      {"restore --from a file that is not there",
       restore({"--from", "{out}/missing.dump"}),
       {"missing.dump"}},
  };
}

std::vector<BadInput> corpus() {
  std::vector<BadInput> all;
  for (auto part : {migration_set_cases(), migrate_flag_cases(), backup_flag_cases()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

// Each case gets a database at revision `a` (so that "unchanged" means something, and one case that slips
// through cannot spoil the next) and a valid set a <- b <- c that it breaks in its own way.
class BadInputCorpus : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override {
    TempDir valid;
    write_valid_set(valid);
    auto r = run_pgrevise({"migrate", "upgrade", "a", "--dir", valid.str(), "--database-url", db_.url()});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    db_.exec("CREATE TABLE precious (id int); INSERT INTO precious VALUES (1), (2)");
  }
  static void write_valid_set(const TempDir& dir) {
    dir.write("a.sql", migration("a", "", "CREATE TABLE ta (i int);", "DROP TABLE ta;"));
    dir.write("b.sql", migration("b", "a", "CREATE TABLE tb (i int);", "DROP TABLE tb;"));
    dir.write("c.sql", migration("c", "b", "CREATE TABLE tc (i int);", "DROP TABLE tc;"));
  }
  // The version table, every table of every schema, the history rows and the rows of a table of the user's.
  std::string snapshot() const {
    return db_.query("SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version") + "|" +
           db_.query(
               "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1) FROM "
               "information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')") +
           "|" + db_.query("SELECT count(*) FROM alembic_version_history") + "|" +
           db_.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM precious");
  }
  // A real backup, for the restore cases whose flags are checked after the backup was found.
  std::string take_backup(const std::filesystem::path& where) const {
    std::filesystem::create_directories(where);
    auto r = run_pgrevise({"backup", "--out", where.string(), "--database-url", db_.url(), "--name", "bk"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    for (const auto& e : std::filesystem::directory_iterator(where))
      if (e.path().string().ends_with(".manifest.json")) return e.path().string();
    ADD_FAILURE() << "no manifest in " << where;
    return "";
  }
  TestDatabase db_;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

TEST_P(BadInputCorpus, RefusedNamingTheCulpritWithNothingChanged) {
  const BadInput& c = GetParam();
  const std::string before = snapshot();
  TempDir dir, out;
  write_valid_set(dir);
  if (c.files) c.files(dir);
  std::vector<std::string> args;
  std::string backup_manifest;
  for (const auto& a : c.args)
    if (a == "{backup}") backup_manifest = take_backup(dir.path() / "backups");
  for (const auto& a : c.args) {
    args.push_back(replace_all(
        replace_all(replace_all(replace_all(a, "{dir}", dir.str()), "{url}", db_.url()), "{out}", out.str()),
        "{backup}", backup_manifest));
  }
  auto r = run_pgrevise(args);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  for (const auto& culprit : c.culprits)
    EXPECT_NE(r.err.find(culprit), std::string::npos) << "stderr should name '" << culprit << "'\n"
                                                      << describe(r);
  // A clear message, not a flood: the first problems of a broken file, never the file itself.
  EXPECT_LT(r.err.size(), 8192u) << r.err.substr(0, 2000);
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(std::filesystem::is_empty(out.path())) << "nothing may be written to the backup directory";
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInputCorpus, ::testing::ValuesIn(corpus()), [](const auto& info) {
  std::string name;
  for (char ch : info.param.name) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name;
});

TEST(BadInputCorpusSize, AtLeastFortyCases) {
  EXPECT_GE(corpus().size(), 40u);
  std::printf("bad-input corpus: %zu migration-set, %zu migrate-flag, %zu backup/restore-flag cases\n",
              migration_set_cases().size(), migrate_flag_cases().size(), backup_flag_cases().size());
}

}  // namespace
}  // namespace pgrevise::testing
