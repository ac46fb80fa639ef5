#include "backup/pg_tools.h"

#include <gtest/gtest.h>

#include "backup/progress.h"
#include "common/error.h"

namespace pgrevise::backup {
namespace {

TEST(ToolVersion, ParsesDebianAndPlainOutput) {
  auto v = parse_tool_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->major_code, 1500);
  EXPECT_EQ(v->text, "15.18");
  auto old = parse_tool_version("pg_dump (PostgreSQL) 9.6.24");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->major_code, 906);
  EXPECT_EQ(old->major_text(), "9.6");
  auto beta = parse_tool_version("pg_dump (PostgreSQL) 17beta2");
  ASSERT_TRUE(beta);
  EXPECT_EQ(beta->major_code, 1700);
  EXPECT_FALSE(parse_tool_version("command not found"));
}

TEST(ToolVersion, ServerVersionNum) {
  EXPECT_EQ(server_version(150004, "15.4 (Debian)").major_code, 1500);
  EXPECT_EQ(server_version(150004, "15.4 (Debian)").text, "15.4");
  EXPECT_EQ(server_version(90624, "9.6.24").major_code, 906);
}

TEST(ToolVersion, OlderPgDumpIsRefusedNamingBoth) {
  const PgVersion dump = *parse_tool_version("pg_dump (PostgreSQL) 14.9");
  const PgVersion server = server_version(150004, "15.4");
  try {
    check_pg_dump_compatible(dump, server, "/usr/bin/pg_dump");
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("pg_dump 14.9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("PostgreSQL 15.4"), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(check_pg_dump_compatible(server_version(160000, "16.0"), server, "pg_dump"));
  EXPECT_NO_THROW(check_pg_dump_compatible(server_version(150001, "15.1"), server, "pg_dump"));
}

TEST(DumpSpec, PasswordOnlyInTheEnvironment) {
  ChildConnection c{"host='db' port='5432' dbname='app' user='app'", "s3cret-canary", 7};
  DumpPlan plan{"pg_dump", Format::kDirectory, 3, 4, "/out/.x.dir.partial", std::nullopt};
  const ProcessSpec spec = pg_dump_spec(plan, c);
  for (const auto& a : spec.argv) EXPECT_EQ(a.find("s3cret-canary"), std::string::npos) << a;
  EXPECT_EQ(spec.env_set.at("PGPASSWORD"), "s3cret-canary");
  EXPECT_EQ(spec.env_set.at("PGCONNECT_TIMEOUT"), "7");
  EXPECT_EQ(spec.argv,
            (std::vector<std::string>{"pg_dump", "--format=directory", "--file=/out/.x.dir.partial",
                                      "--no-password", "--compress=3", "--jobs=4",
                                      "--dbname=host='db' port='5432' dbname='app' user='app'"}));
}

TEST(DumpSpec, NoPasswordNoDbnameWhenFromEnvironment) {
  const ProcessSpec spec = pg_dump_spec(DumpPlan{.output = "/o"}, ChildConnection{});
  EXPECT_EQ(spec.env_set.count("PGPASSWORD"), 0u);
  for (const auto& a : spec.argv) EXPECT_NE(a.rfind("--dbname", 0), 0u);
}

TEST(RestoreSpec, CustomDefaultsToSingleTransaction) {
  RestorePlan plan;
  plan.archive = "/b/x.dump";
  const ProcessSpec spec = restore_spec(plan, ChildConnection{"dbname='app'", "pw-canary", 10});
  EXPECT_EQ(spec.argv,
            (std::vector<std::string>{"pg_restore", "--no-password", "--exit-on-error",
                                      "--single-transaction", "--dbname=dbname='app'", "/b/x.dump"}));
  EXPECT_EQ(spec.env_set.at("PGPASSWORD"), "pw-canary");
}

TEST(RestoreSpec, CleanDropsAndRestoresInOnePsqlTransaction) {
  RestorePlan plan;
  plan.clean = true;
  const ProcessSpec spec = clean_restore_spec(plan, "/t/drop.sql", "/t/restore.sql",
                                              ChildConnection{"dbname='app'", "pw-canary", 10});
  EXPECT_EQ(spec.argv,
            (std::vector<std::string>{"psql", "--no-psqlrc", "--quiet", "--no-password",
                                      "--set=ON_ERROR_STOP=1", "--single-transaction", "--file=/t/drop.sql",
                                      "--file=/t/restore.sql", "--dbname=dbname='app'"}));
  for (const auto& a : spec.argv) EXPECT_EQ(a.find("pw-canary"), std::string::npos);
}

TEST(RestoreSpec, BadCombinationsAreNamed) {
  RestorePlan jobs_custom;
  jobs_custom.jobs = 4;
  jobs_custom.single_transaction = false;
  EXPECT_THROW(validate_restore_plan(jobs_custom), Error);
  RestorePlan jobs_tx;
  jobs_tx.format = Format::kDirectory;
  jobs_tx.jobs = 4;
  EXPECT_THROW(validate_restore_plan(jobs_tx), Error);
  jobs_tx.single_transaction = false;
  EXPECT_NO_THROW(validate_restore_plan(jobs_tx));
  RestorePlan clean_jobs;
  clean_jobs.format = Format::kDirectory;
  clean_jobs.clean = true;
  clean_jobs.jobs = 2;
  clean_jobs.single_transaction = false;
  EXPECT_THROW(validate_restore_plan(clean_jobs), Error);
}

TEST(Toc, CountsEntriesAndTableData) {
  const std::string list =
      ";\n; Archive created at 2026-11-22 22:51:32 UTC\n;     dbname: bk\n;\n"
      "215; 1259 16385 TABLE public a postgres\n"
      "216; 1259 16390 TABLE public alembic_version postgres\n"
      "3320; 0 16385 TABLE DATA public a postgres\n"
      "3321; 0 16390 TABLE DATA public alembic_version postgres\n"
      "3170; 2606 16391 CONSTRAINT public a a_pkey postgres\n";
  const TocSummary s = parse_toc_list(list);
  EXPECT_EQ(s.entries, 5);
  EXPECT_EQ(s.tables, 2);
  EXPECT_EQ(s.table_data, 2);
  EXPECT_EQ(parse_toc_list(";\n; only comments\n").entries, 0);
}

TEST(PlainTrailer, DetectsTruncation) {
  EXPECT_TRUE(plain_dump_trailer_present("...\n--\n-- PostgreSQL database dump complete\n--\n\n"));
  EXPECT_FALSE(plain_dump_trailer_present("COPY public.a (id) FROM stdin;\n1\n2\n"));
}

TEST(Progress, RendersBytesAndElapsedInPlace) {
  const std::string line =
      render_progress("backing up app", 5 * 1024 * 1024 + 300 * 1024, std::chrono::milliseconds(4200));
  EXPECT_EQ(line.rfind("\rbacking up app: 5.29 MiB written, 4.2s elapsed", 0), 0u) << line;
  EXPECT_GE(line.size(), 72u);
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_duration(std::chrono::milliseconds(185'000)), "3m05s");
}

}  // namespace
}  // namespace pgrevise::backup
